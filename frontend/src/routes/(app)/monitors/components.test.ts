// The monitor form and detail components rendered on the server, as their first paint is.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { NEW_MONITOR } from '$lib/monitor-form';
import { openIncident } from '$lib/testing/fixtures';
import MonitorForm from './MonitorForm.svelte';
import IncidentList from './[id]/IncidentList.svelte';
import LatencyChart from './[id]/LatencyChart.svelte';

const channels = [
	{ id: 'c1', name: 'Ops mail', type: 'email', is_default: true, enabled: true },
	{ id: 'c2', name: 'Pager', type: 'webhook', is_default: false, enabled: true }
];

// The text of the error paragraph that belongs to the input with this id.
function errorOf(body: string, id: string): string | undefined {
	const match = new RegExp(`<p class="field-error" id="${id.replace(/[.[\]]/g, '\\$&')}-error">([^<]*)</p>`).exec(body);
	return match?.[1];
}

describe('MonitorForm', () => {
	it('shows the http settings, the defaults and the chosen channels', () => {
		const { body } = render(MonitorForm, {
			props: { values: { ...NEW_MONITOR, notification_channel_ids: 'c2' }, channels, submit: 'Create monitor' }
		});
		expect(body).toContain('HTTP settings');
		expect(body).toContain('name="config.expected_status"');
		expect(body).toMatch(/name="config.expected_status"[^>]*value="200-299"|value="200-299"[^>]*name="config.expected_status"/);
		expect(body).not.toContain('name="config.grace_seconds"');
		expect(body).toMatch(/value="c2"[^>]*checked|checked[^>]*value="c2"/);
		expect(body).not.toMatch(/value="c1"[^>]*checked|checked[^>]*value="c1"/);
		expect(body).toContain('Ops mail (email, default)');
	});

	it("puts each of the API's field errors beside its field", () => {
		const { body } = render(MonitorForm, {
			props: {
				values: { ...NEW_MONITOR, type: 'http' },
				errors: {
					name: 'required',
					'config.expected_status[1]': 'must be a status code from 100 to 599',
					'notification_channel_ids[0]': 'unknown notification channel',
					'config.mystery': 'unknown field for this monitor type'
				},
				message: 'invalid monitor',
				channels,
				submit: 'Create monitor'
			}
		});
		expect(errorOf(body, 'field-name')).toBe('required');
		expect(errorOf(body, 'field-config.expected_status')).toBe('entry 2: must be a status code from 100 to 599');
		expect(body).toContain('aria-describedby="field-config.expected_status-error field-config.expected_status-hint"');
		expect(body).toContain('entry 1: unknown notification channel');
		// An error no field shows still reaches the user, in the summary.
		expect(body).toContain('config.mystery: unknown field for this monitor type');
	});

	it('shows the settings of the chosen type', () => {
		const { body } = render(MonitorForm, {
			props: { values: { ...NEW_MONITOR, type: 'heartbeat' }, channels: [], submit: 'Save' }
		});
		expect(body).toContain('name="config.grace_seconds"');
		expect(body).not.toContain('name="config.method"');
		expect(body).toContain('heartbeat URL shown after saving');
		expect(body).toContain('No channels yet');
	});
});

describe('IncidentList', () => {
	it('says open or resolved in words, with the first error', () => {
		const { body } = render(IncidentList, { props: { incidents: [openIncident] } });
		expect(body).toContain('Open');
		expect(body).toContain('connection refused');
		expect(body).toContain('4 min');
		expect(render(IncidentList, { props: { incidents: [] } }).body).toContain('No incidents.');
	});
});

describe('LatencyChart', () => {
	it('renders a labelled figure on the server; uPlot draws it in the browser', () => {
		const points = [
			{
				time: '2026-11-26T10:00:00Z',
				checks: 5,
				failed_checks: 0,
				uptime: 1,
				latency_p50_ms: 40,
				latency_p95_ms: 90,
				latency_p99_ms: 120
			}
		];
		const { body } = render(LatencyChart, { props: { points, onzoom: () => {} } });
		expect(body).toContain('role="img"');
		expect(body).toContain('Latency p95 from 90 ms to 90 ms over 1 points');
	});
});
