// The status page editor rendered on the server, as its first paint is.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { NEW_STATUS_PAGE } from '$lib/status-page';
import StatusPageForm from './StatusPageForm.svelte';

const monitors = [
	{ id: 'a', name: 'API', type: 'http' as const },
	{ id: 'b', name: 'Shop', type: 'http' as const },
	{ id: 'c', name: 'DNS', type: 'dns' as const }
];

describe('StatusPageForm', () => {
	it('lists the chosen monitors first, checked, in the page order', () => {
		const { body } = render(StatusPageForm, {
			props: { values: { ...NEW_STATUS_PAGE, monitor_ids: 'c,a', published: 'on' }, monitors, submit: 'Save' }
		});
		const order = ['value="c"', 'value="a"', 'value="b"'].map((v) => body.indexOf(v));
		expect(order.every((i) => i > 0)).toBe(true);
		expect(order).toEqual([...order].sort((x, y) => x - y));
		expect(body).toMatch(/value="c"[^>]*checked|checked[^>]*value="c"/);
		expect(body).not.toMatch(/value="b"[^>]*checked|checked[^>]*value="b"/);
		expect(body).toMatch(/name="published"[^>]*checked|checked[^>]*name="published"/);
	});

	it("shows the API's field errors beside their fields and the others on top", () => {
		const { body } = render(StatusPageForm, {
			props: {
				values: { ...NEW_STATUS_PAGE, slug: 'Bad slug' },
				errors: { slug: 'lower-case letters only', 'monitor_ids[0]': 'unknown monitor', theme: 'unknown field' },
				message: 'the request has invalid fields',
				monitors,
				submit: 'Save'
			}
		});
		expect(body).toContain('<p class="field-error" id="field-slug-error">lower-case letters only</p>');
		expect(body).toContain('entry 1: unknown monitor');
		expect(body).toContain('theme: unknown field');
		expect(body).toContain('value="Bad slug"');
	});

	it('points to creating a monitor when there is none', () => {
		const { body } = render(StatusPageForm, { props: { values: NEW_STATUS_PAGE, monitors: [], submit: 'Create' } });
		expect(body).toContain('href="/monitors/new"');
	});
});
