import { redirect } from '@sveltejs/kit';
import { windowValues } from '$lib/maintenance-form';
import { backend, loadFailed } from '$lib/server/session';
import type { MaintenanceWindow } from '$lib/types';
import { monitorChoices, saveWindow } from '../../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const [window, monitors] = await Promise.all([
			backend<MaintenanceWindow>(event, `/api/v1/maintenance-windows/${encodeURIComponent(event.params.id)}`),
			monitorChoices(event)
		]);
		return { window, monitors, values: windowValues(window) };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	default: async (event) => {
		const saved = await saveWindow(event, 'PUT', `/api/v1/maintenance-windows/${encodeURIComponent(event.params.id)}`);
		if (saved.failure) return saved.failure;
		redirect(303, '/maintenance?saved=1');
	}
};
