import { describe, expect, it } from 'vitest';
import { MASKED, channelRequest, channelValues, readChannelForm } from './channel-form';
import type { Channel } from './types';

const stored: Channel = {
	id: 'c1',
	name: 'Hook',
	type: 'webhook',
	config: { url: 'https://hooks.example.com/in', secret: MASKED, headers: { 'X-Token': MASKED, 'X-Team': MASKED } },
	is_default: true,
	enabled: true,
	created_at: '2026-11-26T10:00:00Z',
	updated_at: '2026-11-26T10:00:00Z'
};

function formOf(values: Record<string, string>): FormData {
	const form = new FormData();
	for (const [k, v] of Object.entries(values)) if (v !== '') form.set(k, v);
	return form;
}

describe('channel form', () => {
	it('sends masked secrets back unchanged, so the stored ones are kept', () => {
		const { body, errors } = channelRequest(readChannelForm(formOf(channelValues(stored))));
		expect(errors).toEqual({});
		expect(body).toEqual({
			name: 'Hook',
			type: 'webhook',
			config: { url: 'https://hooks.example.com/in', secret: MASKED, headers: { 'X-Token': MASKED, 'X-Team': MASKED } },
			is_default: true,
			enabled: true
		});
	});

	it('leaves out an emptied secret and headers, which removes them', () => {
		const values = { ...channelValues(stored), 'config.secret': '', 'config.headers': '', is_default: '' };
		const { body } = channelRequest(readChannelForm(formOf(values)));
		expect(body.config).toEqual({ url: 'https://hooks.example.com/in' });
		expect(body.is_default).toBe(false);
	});

	it('sends only the fields of the chosen type', () => {
		const form = formOf({ name: 'Ops', type: 'email', 'config.to': 'a@example.com, b@example.com', 'config.url': 'https://x', enabled: 'on' });
		expect(channelRequest(readChannelForm(form)).body.config).toEqual({ to: ['a@example.com', 'b@example.com'] });
		const chat = formOf({ name: 'Slack', type: 'shoutrrr', 'config.url': ' slack://******** ', 'config.secret': 'x' });
		expect(channelRequest(readChannelForm(chat)).body.config).toEqual({ url: 'slack://********' });
	});

	it('refuses a header line without a colon before asking the API', () => {
		const form = formOf({ name: 'Hook', type: 'webhook', 'config.url': 'https://x.example', 'config.headers': 'X-Ok: 1\nbroken' });
		expect(channelRequest(readChannelForm(form)).errors).toEqual({ 'config.headers': 'line 2: write one header a line as Name: value' });
	});
});
