import { describe, expect, it } from 'vitest';
import {
	badgeMarkdown,
	chosenFirst,
	pageUptime,
	pageValues,
	readStatusPageForm,
	statusPageRequest,
	suggestSlug,
	type StatusPage
} from './status-page';

describe('the status page editor', () => {
	it('reads the form, keeping the order of the checked monitors', () => {
		const form = new FormData();
		form.set('slug', ' Acme ');
		form.set('title', 'Acme status');
		form.set('description', 'Line one\nline two');
		form.set('logo_url', ' https://cdn.example.com/logo.png ');
		form.append('monitor_ids', 'm2');
		form.append('monitor_ids', 'm1');
		form.set('published', 'on');
		const values = readStatusPageForm(form);
		expect(values).toEqual({
			slug: 'Acme',
			title: 'Acme status',
			description: 'Line one\nline two',
			logo_url: 'https://cdn.example.com/logo.png',
			monitor_ids: 'm2,m1',
			published: 'on'
		});
		expect(statusPageRequest(values)).toEqual({
			slug: 'acme',
			title: 'Acme status',
			description: 'Line one\nline two',
			logo_url: 'https://cdn.example.com/logo.png',
			monitor_ids: ['m2', 'm1'],
			published: true
		});
	});

	it('sends no monitors and an unpublished page when nothing is checked', () => {
		const body = statusPageRequest(readStatusPageForm(new FormData()));
		expect(body.monitor_ids).toEqual([]);
		expect(body.published).toBe(false);
	});

	it('fills the form from a saved page and back to the same request', () => {
		const page: StatusPage = {
			id: 'p',
			slug: 'acme',
			title: 'Acme',
			description: '',
			logo_url: '',
			monitor_ids: ['a', 'b'],
			published: true,
			created_at: '',
			updated_at: ''
		};
		expect(statusPageRequest(pageValues(page))).toEqual({
			slug: 'acme',
			title: 'Acme',
			description: '',
			logo_url: '',
			monitor_ids: ['a', 'b'],
			published: true
		});
	});

	it.each([
		['Acme Cloud!', 'acme-cloud'],
		['  Ünïcode  Café ', 'unicode-cafe'],
		['---', ''],
		['x'.repeat(70), 'x'.repeat(63)]
	])('suggests a slug for %j', (title, slug) => {
		expect(suggestSlug(title)).toBe(slug);
	});

	it('lists the chosen monitors first, in the page order', () => {
		const monitors = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
		expect(chosenFirst(monitors, ['c', 'gone', 'a']).map((m) => m.id)).toEqual(['c', 'a', 'b', 'd']);
	});
});

describe('the public page', () => {
	it('averages the uptime of monitors that had checks', () => {
		const m = (uptime: number | null) => ({ name: 'm', status: 'up' as const, uptime, daily_uptime: [], daily_failed: [] });
		expect(pageUptime([m(1), m(0.5), m(null)])).toBe(0.75);
		expect(pageUptime([m(null)])).toBeNull();
	});
});

describe('badges', () => {
	it('makes the README snippet of a new badge', () => {
		expect(badgeMarkdown({ status_url: 'https://x/s.svg', uptime_url: 'https://x/u.svg' })).toBe(
			'![status](https://x/s.svg) ![uptime](https://x/u.svg)'
		);
	});
});
