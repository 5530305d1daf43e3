import { redirect } from '@sveltejs/kit';
import { newWindow } from '$lib/maintenance-form';
import { loadFailed } from '$lib/server/session';
import { monitorChoices, saveWindow } from '../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		return { monitors: await monitorChoices(event), values: newWindow(new Date()) };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	default: async (event) => {
		const saved = await saveWindow(event, 'POST', '/api/v1/maintenance-windows');
		if (saved.failure) return saved.failure;
		redirect(303, '/maintenance?saved=1');
	}
};
