import { redirect } from '@sveltejs/kit';
import { loadFailed } from '$lib/server/session';
import { NEW_STATUS_PAGE } from '$lib/status-page';
import { monitors, savePage } from '../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		return { monitors: await monitors(event), values: NEW_STATUS_PAGE };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	default: async (event) => {
		const saved = await savePage(event, 'POST', '/api/v1/status-pages');
		if (saved.failure) return saved.failure;
		redirect(303, `/status-pages/${saved.page.id}?saved=1`);
	}
};
