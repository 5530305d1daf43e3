// The public status page rendered on the server, as every visitor gets it.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { PublicStatusPage } from '$lib/status-page';
import Page from './+page.svelte';
import IncidentHistory from './IncidentHistory.svelte';

const page: PublicStatusPage = {
	slug: 'acme',
	title: 'Acme <status>',
	description: 'Line one\nline two',
	logo_url: 'https://cdn.example.com/logo.png',
	status: 'partial_outage',
	days: ['2026-11-24', '2026-11-25', '2026-11-26'],
	monitors: [
		{ name: 'Shop', status: 'down', uptime: 0.5, daily_uptime: [null, 1, 0.5], daily_failed: [0, 0, 12] },
		{ name: 'API', status: 'up', uptime: 1, daily_uptime: [1, 1, 1], daily_failed: [0, 0, 0] }
	],
	incidents: [
		{
			monitor: 'Old',
			status: 'resolved',
			cause: 'degraded',
			started_at: '2026-11-20T10:00:00Z',
			resolved_at: '2026-11-20T10:05:00Z',
			duration_seconds: 300
		},
		{
			monitor: 'Shop',
			status: 'open',
			cause: 'down',
			started_at: '2026-11-26T09:00:00Z',
			resolved_at: null,
			duration_seconds: 3900
		}
	]
};

describe('the public status page', () => {
	it('shows the title, logo, overall status and one bar per monitor', () => {
		const { body, head } = render(Page, { props: { data: { page } } as never });
		expect(head).toContain('<title>Acme &lt;status></title>');
		expect(body).toMatch(/<h1[^>]*>Acme &lt;status><\/h1>/);
		expect(body + head).not.toContain('<status>');
		expect(body).toContain('src="https://cdn.example.com/logo.png"');
		expect(body).toContain('Partial outage');
		expect(body).toContain('Shop uptime: 75.00 % over 3 days');
		expect(body.match(/role="slider"/g)).toHaveLength(2);
		expect(body).toContain('75.00 % uptime over 3 days');
	});

	it('says so when no monitor is shown', () => {
		const { body } = render(Page, {
			props: { data: { page: { ...page, status: 'unknown', monitors: [], incidents: [] } } } as never
		});
		expect(body).toContain('No services are shown');
		expect(body).toContain('No current status');
		expect(body).toContain('No incidents in the last 14 days');
	});
});

describe('IncidentHistory', () => {
	it('lists open incidents first, in words', () => {
		const { body } = render(IncidentHistory, { props: { incidents: page.incidents } });
		expect(body.indexOf('Shop')).toBeLessThan(body.indexOf('Old'));
		expect(body).toContain('Ongoing');
		expect(body).toContain('for 1 h 5 min');
		expect(body).toContain('lasted 5 min');
		expect(body).toContain('degraded performance');
	});
});
