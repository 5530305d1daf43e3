import { describe, expect, it } from 'vitest';
import { fieldError, formFields, monitorRequest, monitorValues, NEW_MONITOR, otherErrors, readMonitorForm } from './monitor-form';
import type { Monitor } from './types';

function form(entries: [string, string][]): FormData {
	const f = new FormData();
	for (const [k, v] of entries) f.append(k, v);
	return f;
}

describe('monitorRequest', () => {
	it('builds an http monitor: numbers, lists, headers, assertions and unticked boxes', () => {
		const values = readMonitorForm(
			form([
				['name', 'Shop'],
				['type', 'http'],
				['target', 'https://shop.example.com/'],
				['interval_seconds', '30'],
				['timeout_seconds', ''],
				['enabled', 'on'],
				['tags', 'prod, EU-db'],
				['regions', ''],
				['notification_channel_ids', 'c1'],
				['notification_channel_ids', 'c2'],
				['config.method', 'POST'],
				['config.expected_status', '200-299, 301\n302'],
				['config.headers', 'X-Key: a:b\n\nAccept: application/json'],
				['config.json_assertions', '$.status equals "ok"\n$.items[0] exists\n$.count gte 3\n$.name contains shop'],
				['config.follow_redirects', 'on'],
				['config.max_redirects', '5'],
				['config.retries', '2'],
				['config.degraded_latency_ms', ''],
				// A field of another type is not sent.
				['config.packet_count', '4']
			])
		);
		const { body, errors } = monitorRequest(values);
		expect(errors).toEqual({});
		expect(body).toEqual({
			name: 'Shop',
			type: 'http',
			target: 'https://shop.example.com/',
			interval_seconds: 30,
			enabled: true,
			regions: [],
			tags: ['prod', 'EU-db'],
			notification_channel_ids: ['c1', 'c2'],
			config: {
				method: 'POST',
				headers: { 'X-Key': 'a:b', Accept: 'application/json' },
				body: '',
				expected_status: ['200-299', '301', '302'],
				follow_redirects: true,
				max_redirects: 5,
				verify_tls: false,
				json_assertions: [
					{ path: '$.status', op: 'equals', value: 'ok' },
					{ path: '$.items[0]', op: 'exists' },
					{ path: '$.count', op: 'gte', value: 3 },
					{ path: '$.name', op: 'contains', value: 'shop' }
				],
				retries: 2,
				alert_on_degraded: false
			}
		});
	});

	it('refuses what cannot be sent, under the field it came from', () => {
		const { errors } = monitorRequest({
			...NEW_MONITOR,
			type: 'http',
			interval_seconds: 'soon',
			'config.headers': 'no colon here',
			'config.json_assertions': '$.x'
		});
		expect(errors).toEqual({
			interval_seconds: 'must be a whole number',
			'config.headers': 'line 1: write one header a line as Name: value',
			'config.json_assertions': expect.stringContaining('line 1')
		});
	});

	it('sends only the config of the chosen type', () => {
		const { body } = monitorRequest({ ...NEW_MONITOR, type: 'dns', 'config.expected_values': '1.2.3.4, 5.6.7.8' });
		expect(body.config).toEqual({
			record_type: 'A',
			resolver: '',
			expected_values: ['1.2.3.4', '5.6.7.8'],
			retries: 0,
			recovery_checks: 1,
			reminder_minutes: 0,
			alert_on_degraded: false
		});
	});
});

describe('monitorValues', () => {
	it('fills the form from a monitor so that saving it again sends the same config', () => {
		const monitor = {
			id: 'm1',
			name: 'API',
			type: 'keyword',
			target: 'https://api.example.com',
			interval_seconds: 60,
			timeout_seconds: 10,
			enabled: false,
			regions: ['eu'],
			tags: ['prod'],
			notification_channel_ids: ['c1'],
			config: {
				method: 'GET',
				headers: { Accept: 'text/html' },
				body: '',
				expected_status: ['200-299'],
				follow_redirects: true,
				max_redirects: 10,
				verify_tls: true,
				json_assertions: [{ path: '$.ok', op: 'equals', value: true }],
				keyword: 'Welcome',
				case_sensitive: false,
				absent: false,
				retries: 1,
				degraded_latency_ms: 800
			}
		} as unknown as Monitor;
		const values = monitorValues(monitor);
		expect(values).toMatchObject({
			enabled: '',
			regions: 'eu',
			notification_channel_ids: 'c1',
			'config.headers': 'Accept: text/html',
			'config.json_assertions': '$.ok equals true',
			'config.follow_redirects': 'on',
			'config.degraded_latency_ms': '800',
			'config.down_quorum': ''
		});
		const { body } = monitorRequest(values);
		expect(body.config).toMatchObject(monitor.config);
		expect(body).toMatchObject({ enabled: false, timeout_seconds: 10, tags: ['prod'] });
	});
});

describe('fieldError', () => {
	const errors = {
		name: 'required',
		'config.expected_status[1]': 'must be a status code',
		'config.expected_status': 'at most 20 entries',
		'config.json_assertions[0].path': 'invalid JSONPath',
		'config.headers.X Bad': 'header name must be a token',
		'config.expected_statusx': 'not ours'
	};

	it.each([
		['name', 'required'],
		['config.expected_status', 'entry 2: must be a status code; at most 20 entries'],
		['config.json_assertions', 'entry 1 path: invalid JSONPath'],
		['config.headers', 'X Bad: header name must be a token'],
		['config.body', undefined]
	])('%s reads %s', (field, text) => {
		expect(fieldError(errors, field)).toBe(text);
	});

	it('lists the errors no field of the form shows', () => {
		expect(otherErrors({ ...errors, 'config.grace_seconds': 'unknown field' }, formFields('http'))).toEqual([
			'config.expected_statusx: not ours',
			'config.grace_seconds: unknown field'
		]);
	});
});
