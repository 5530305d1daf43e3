import { redirect } from '@sveltejs/kit';
import { loadFailed } from '$lib/server/session';
import { NEW_MONITOR } from '$lib/monitor-form';
import { channels, saveMonitor } from '../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const type = event.url.searchParams.get('type');
		return { channels: await channels(event), values: type ? { ...NEW_MONITOR, type } : NEW_MONITOR };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	default: async (event) => {
		const saved = await saveMonitor(event, 'POST', '/api/v1/monitors');
		if (saved.failure) return saved.failure;
		redirect(303, `/monitors/${saved.monitor.id}?created=1`);
	}
};
