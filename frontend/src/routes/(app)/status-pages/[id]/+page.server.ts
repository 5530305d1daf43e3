import { redirect } from '@sveltejs/kit';
import { refused } from '$lib/server/forms';
import { backend, loadFailed } from '$lib/server/session';
import { pageValues, type StatusPage } from '$lib/status-page';
import { monitors, savePage } from '../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const [page, list] = await Promise.all([
			backend<StatusPage>(event, `/api/v1/status-pages/${encodeURIComponent(event.params.id)}`),
			monitors(event)
		]);
		return { page, monitors: list, values: pageValues(page), saved: event.url.searchParams.has('saved') };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	save: async (event) => {
		const saved = await savePage(event, 'PUT', `/api/v1/status-pages/${encodeURIComponent(event.params.id)}`);
		if (saved.failure) return saved.failure;
		redirect(303, `/status-pages/${saved.page.id}?saved=1`);
	},
	delete: async (event) => {
		try {
			await backend(event, `/api/v1/status-pages/${encodeURIComponent(event.params.id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		redirect(303, '/status-pages');
	}
};
