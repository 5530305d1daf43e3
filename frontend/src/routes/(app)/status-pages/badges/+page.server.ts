import { fail } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { backend, loadFailed } from '$lib/server/session';
import type { Badge, CreatedBadge } from '$lib/status-page';
import { monitors } from '../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const [badges, list] = await Promise.all([
			backend<Badge[]>(event, '/api/v1/badges?per_page=200'),
			monitors(event)
		]);
		return { badges, monitors: list };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	create: async (event) => {
		const monitorID = text(await event.request.formData(), 'monitor_id');
		if (!monitorID) return fail(400, { message: 'Choose a monitor.', errors: { monitor_id: 'required' }, values: {} });
		try {
			return { created: await backend<CreatedBadge>(event, '/api/v1/badges', { method: 'POST', json: { monitor_id: monitorID } }) };
		} catch (err) {
			return refused(err, { monitor_id: monitorID });
		}
	},
	revoke: async (event) => {
		const id = text(await event.request.formData(), 'id');
		try {
			await backend(event, `/api/v1/badges/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		return { revoked: true };
	}
};
