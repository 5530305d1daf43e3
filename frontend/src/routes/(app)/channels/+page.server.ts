import { refused, text } from '$lib/server/forms';
import { backend, backendRequest, loadFailed } from '$lib/server/session';
import type { Channel, DeliveryOutcome } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const { data, meta } = await backendRequest<Channel[]>(event, '/api/v1/notification-channels?per_page=200');
		return { channels: data, total: Number(meta.total ?? data.length), saved: event.url.searchParams.get('saved') ?? '' };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	// Sending a test waits (up to 10 s, on the backend) for a worker to deliver it.
	test: async (event) => {
		const id = text(await event.request.formData(), 'id');
		try {
			const outcome = await backend<DeliveryOutcome>(event, `/api/v1/notification-channels/${encodeURIComponent(id)}/test`, {
				method: 'POST'
			});
			return { tested: { id, ...outcome } };
		} catch (err) {
			return refused(err, { id });
		}
	},
	delete: async (event) => {
		const id = text(await event.request.formData(), 'id');
		try {
			await backend(event, `/api/v1/notification-channels/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err, { id });
		}
		return { deleted: true };
	}
};
