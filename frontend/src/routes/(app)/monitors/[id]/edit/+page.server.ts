import { redirect } from '@sveltejs/kit';
import { monitorValues } from '$lib/monitor-form';
import { backend, loadFailed } from '$lib/server/session';
import type { Monitor } from '$lib/types';
import { channels, saveMonitor } from '../../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const [monitor, list] = await Promise.all([
			backend<Monitor>(event, `/api/v1/monitors/${encodeURIComponent(event.params.id)}`),
			channels(event)
		]);
		return { monitor, channels: list, values: monitorValues(monitor) };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	default: async (event) => {
		const saved = await saveMonitor(event, 'PUT', `/api/v1/monitors/${encodeURIComponent(event.params.id)}`);
		if (saved.failure) return saved.failure;
		redirect(303, `/monitors/${saved.monitor.id}`);
	}
};
