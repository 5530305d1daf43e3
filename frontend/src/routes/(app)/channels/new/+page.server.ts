import { redirect } from '@sveltejs/kit';
import { NEW_CHANNEL } from '$lib/channel-form';
import { saveChannel } from '../save.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({ values: NEW_CHANNEL });

export const actions: Actions = {
	default: async (event) => {
		const saved = await saveChannel(event, 'POST', '/api/v1/notification-channels');
		if (saved.failure) return saved.failure;
		redirect(303, '/channels?saved=1');
	}
};
