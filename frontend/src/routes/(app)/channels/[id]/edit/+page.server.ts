import { redirect } from '@sveltejs/kit';
import { channelValues } from '$lib/channel-form';
import { backend, loadFailed } from '$lib/server/session';
import type { Channel } from '$lib/types';
import { saveChannel } from '../../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const channel = await backend<Channel>(event, `/api/v1/notification-channels/${encodeURIComponent(event.params.id)}`);
		return { channel, values: channelValues(channel) };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	default: async (event) => {
		const saved = await saveChannel(event, 'PUT', `/api/v1/notification-channels/${encodeURIComponent(event.params.id)}`);
		if (saved.failure) return saved.failure;
		redirect(303, '/channels?saved=1');
	}
};
