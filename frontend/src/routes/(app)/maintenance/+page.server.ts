import { refused, text } from '$lib/server/forms';
import { backend, backendRequest, loadFailed } from '$lib/server/session';
import type { MaintenanceWindow } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const { data } = await backendRequest<MaintenanceWindow[]>(event, '/api/v1/maintenance-windows?per_page=200');
		return { windows: data, saved: event.url.searchParams.has('saved') };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	delete: async (event) => {
		const id = text(await event.request.formData(), 'id');
		try {
			await backend(event, `/api/v1/maintenance-windows/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		return { deleted: true };
	}
};
