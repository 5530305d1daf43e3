// The incident, channel, maintenance, team and account components rendered on the server, as their first paint is.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { MASKED } from '$lib/channel-form';
import { openIncident } from '$lib/testing/fixtures';
import type { Channel, MaintenanceWindow } from '$lib/types';
import KeyList from './api-keys/KeyList.svelte';
import DeleteWorkspace from './account/DeleteWorkspace.svelte';
import SessionList from './account/SessionList.svelte';
import ChannelForm from './channels/ChannelForm.svelte';
import ChannelRow from './channels/ChannelRow.svelte';
import IncidentRow from './incidents/IncidentRow.svelte';
import Timeline from './incidents/[id]/Timeline.svelte';
import WindowForm from './maintenance/WindowForm.svelte';
import WindowRow from './maintenance/WindowRow.svelte';
import InviteForm from './team/InviteForm.svelte';
import MemberRow from './team/MemberRow.svelte';

const incident = openIncident;

describe('IncidentRow', () => {
	it('says open, acknowledged or resolved in words and links the detail', () => {
		const open = render(IncidentRow, { props: { incident } }).body;
		expect(open).toContain('state open');
		expect(open).toContain('Open');
		expect(open).not.toContain('acknowledged');
		const acked = render(IncidentRow, { props: { incident: { ...incident, acknowledged_at: '2026-11-26T10:01:00Z' } } }).body;
		expect(acked).toContain('Open, acknowledged');
		const resolved = render(IncidentRow, { props: { incident: { ...incident, status: 'resolved' as const } } }).body;
		expect(resolved).toContain('Resolved');
		expect(resolved).toContain('href="/incidents/i1"');
	});
});

describe('Timeline', () => {
	it('lists events with who did them, comments as written', () => {
		const { body } = render(Timeline, {
			props: {
				events: [
					{ at: '2026-11-26T10:00:00Z', kind: 'opened', message: 'Shop is down: connection refused', details: {} },
					{ at: '2026-11-26T10:01:00Z', kind: 'notification_failed', message: 'webhook Hook: HTTP 500', details: {} },
					{ at: '2026-11-26T10:02:00Z', kind: 'comment', message: 'Looking into it', actor: 'Ada', details: {} }
				]
			}
		});
		expect(body).toContain('Opened');
		expect(body).toContain('Notification failed');
		expect(body).toContain('by Ada');
		expect(body).toContain('Looking into it');
		expect(render(Timeline, { props: { events: [] } }).body).toContain('Nothing recorded yet.');
	});
});

const hook: Channel = {
	id: 'c1',
	name: 'Hook',
	type: 'webhook',
	config: { url: 'https://hooks.example.com/in', secret: MASKED },
	is_default: true,
	enabled: false,
	created_at: '2026-11-26T10:00:00Z',
	updated_at: '2026-11-26T10:00:00Z'
};

describe('ChannelRow', () => {
	it('shows where it sends, its flags and the outcome of a test', () => {
		const { body } = render(ChannelRow, {
			props: {
				channel: hook,
				outcome: { delivery_id: 'd', event_id: 'e', status: 'failed' as const, attempts: 1, last_error: 'HTTP 500' }
			}
		});
		expect(body).toContain('https://hooks.example.com/in');
		expect(body).toContain('default');
		expect(body).toContain('disabled');
		expect(body).toContain('Test failed after 1 attempt: HTTP 500');
		expect(render(ChannelRow, { props: { channel: hook } }).body).not.toContain('Test failed');
	});

	it('offers a viewer no buttons that change things', () => {
		const { body } = render(ChannelRow, { props: { channel: hook, writable: false } });
		expect(body).not.toContain('Send test');
		expect(body).not.toContain('Delete');
	});
});

describe('ChannelForm', () => {
	it('shows the webhook fields with the masked secret and errors beside their fields', () => {
		const { body } = render(ChannelForm, {
			props: {
				values: { name: 'Hook', type: 'webhook', 'config.url': 'ftp://x', 'config.secret': MASKED, enabled: 'on' },
				errors: { 'config.url': 'must be an http(s) URL with a host', 'config.headers.X Bad': 'not a valid header name' },
				message: 'invalid channel',
				submit: 'Save changes'
			}
		});
		expect(body).toMatch(/id="field-config.url-error">must be an http\(s\) URL with a host</);
		expect(body).toMatch(/id="field-config.headers-error">X Bad: not a valid header name</);
		expect(body).toContain(`value="${MASKED}"`);
		expect(body).toContain('keeps the stored value');
		expect(body).not.toContain('name="config.to"');
	});

	it('shows recipients for email', () => {
		const { body } = render(ChannelForm, { props: { values: { type: 'email' }, submit: 'Create channel' } });
		expect(body).toContain('name="config.to"');
		expect(body).not.toContain('name="config.secret"');
	});
});

const window: MaintenanceWindow = {
	id: 'w1',
	name: 'Deploy',
	starts_at: '2026-12-06T01:00:00Z',
	ends_at: '2026-12-06T03:00:00Z',
	time_zone: 'UTC',
	rrule: '',
	all_monitors: false,
	monitor_ids: ['m1'],
	tags: ['db'],
	created_at: '2026-11-26T10:00:00Z',
	updated_at: '2026-11-26T10:00:00Z',
	active: true,
	next: { from: '2026-12-06T01:00:00Z', to: '2026-12-06T03:00:00Z' }
};

describe('WindowRow', () => {
	it('says active in words and what the window covers', () => {
		const { body } = render(WindowRow, { props: { window } });
		expect(body).toContain('Active now');
		expect(body).toContain('1 monitor and tags db');
	});
});

describe('WindowForm', () => {
	const monitors = [
		{ id: 'm1', name: 'Shop' },
		{ id: 'm2', name: 'API' }
	];

	it('shows the rule and the chosen monitors only when asked for', () => {
		const once = render(WindowForm, { props: { values: { repeat: 'once', scope: 'all' }, monitors, submit: 'Create window' } }).body;
		expect(once).not.toContain('name="rrule"');
		expect(once).not.toContain('name="monitor_ids"');
		const some = render(WindowForm, {
			props: {
				values: { repeat: 'rrule', scope: 'some', monitor_ids: 'm2', rrule: 'FREQ=DAILY' },
				errors: { rrule: 'must repeat at most hourly', all_monitors: 'set all_monitors, or name monitor_ids and/or tags (not both)' },
				message: 'invalid maintenance window',
				monitors,
				submit: 'Save changes'
			}
		}).body;
		expect(some).toMatch(/id="field-rrule-error">must repeat at most hourly</);
		expect(some).toContain('id="scope-error"');
		expect(some).toMatch(/value="m2"[^>]*checked|checked[^>]*value="m2"/);
		expect(some).not.toMatch(/value="m1"[^>]*checked|checked[^>]*value="m1"/);
	});
});

describe('MemberRow', () => {
	const owner = { user_id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'owner' as const, joined_at: '2026-11-26T10:00:00Z' };

	it('lets an admin leave but not touch an owner', () => {
		const { body } = render(MemberRow, { props: { member: owner, self: false, roles: ['admin', 'member', 'viewer'] } });
		expect(body).not.toContain('Change role');
		expect(body).not.toContain('Remove');
		const self = render(MemberRow, { props: { member: { ...owner, role: 'admin' as const }, self: true, roles: ['admin', 'member', 'viewer'] } }).body;
		expect(self).toContain('Change role');
		expect(self).toContain('Leave');
	});
});

describe('InviteForm', () => {
	it('shows the link to pass on when no mail was sent', () => {
		const invite = {
			id: 'v1',
			email: 'bob@example.com',
			role: 'member' as const,
			invited_by: null,
			created_at: '2026-11-26T10:00:00Z',
			expires_at: '2026-12-03T10:00:00Z',
			mailed: false,
			token: 'vii_x',
			link: 'http://localhost:3000/invite/vii_x'
		};
		const { body } = render(InviteForm, { props: { roles: ['admin', 'member', 'viewer'], form: { invite } } });
		expect(body).toContain('value="http://localhost:3000/invite/vii_x"');
		expect(body).toContain('Copy');
		expect(render(InviteForm, { props: { roles: ['member'], form: { invite: { ...invite, mailed: true } } } }).body).toContain(
			'Invitation mailed to bob@example.com'
		);
	});
});

describe('KeyList and SessionList', () => {
	it("names who made a key and marks this browser's session", () => {
		const keys = [
			{ id: 'k1', name: 'Grafana', prefix: 'vik_ab12', scope: 'read' as const, created_at: '2026-11-26T10:00:00Z', last_used_at: null, created_by: 'u1' },
			{ id: 'k2', name: 'CI', prefix: 'vik_cd34', scope: 'write' as const, created_at: '2026-11-26T10:00:00Z', last_used_at: null, created_by: 'gone' }
		];
		const list = render(KeyList, { props: { keys, names: { u1: 'Ada' } } }).body;
		expect(list).toContain('by Ada');
		expect(list).toContain('by a former member');
		expect(list).toContain('never used');

		const sessions = [
			{
				id: 's1',
				tenant_id: 't1',
				user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36',
				client_ip: '192.0.2.1',
				created_at: '2026-11-26T10:00:00Z',
				last_seen_at: '2026-11-26T10:00:00Z',
				expires_at: '2026-12-26T10:00:00Z',
				current: true
			}
		];
		const body = render(SessionList, { props: { sessions, tenantNames: { t1: 'Acme' } } }).body;
		expect(body).toContain('Chrome on Linux');
		expect(body).toContain('this browser');
		expect(body).toContain('Acme');
		expect(body).toContain('Log out here');
	});
});

describe('DeleteWorkspace', () => {
	it('asks for the name typed and says where the user goes next', () => {
		const { body } = render(DeleteWorkspace, { props: { name: 'Acme', nextWorkspace: 'Globex' } });
		expect(body).toContain('Delete workspace');
		expect(body).toContain('action="?/deleteWorkspace"');
		expect(body).toContain('name="confirm"');
		expect(body).toContain("Type the workspace's name, Acme, to confirm");
		expect(body).toContain('You will go on in Globex.');
		// Rendered on the server the button works, so the form does without JavaScript.
		expect(body).toMatch(/<button type="submit" class="danger[^"]*"[^>]*>Delete this workspace/);
		expect(body).not.toMatch(/<button[^>]*disabled[^>]*>Delete this workspace/);
	});

	it('says the last workspace logs the user out, and shows the API refusal beside the field', () => {
		const { body } = render(DeleteWorkspace, {
			props: {
				name: 'Acme',
				message: 'the request has invalid fields',
				error: "must be the tenant's name, exactly as it is shown, to confirm the deletion"
			}
		});
		expect(body).toContain('you will be logged out');
		expect(body).toMatch(/sign up again with\s+the same email and password/);
		expect(body).toContain('the request has invalid fields');
		expect(body).toMatch(/id="field-confirm-error">must be the tenant's name/);
	});
});
