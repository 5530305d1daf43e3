import { redirect } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { backend, clearSession, loadFailed } from '$lib/server/session';
import type { SessionInfo } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		return { sessions: await backend<SessionInfo[]>(event, '/api/v1/sessions') };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	revoke: async (event) => {
		const form = await event.request.formData();
		const id = text(form, 'id');
		try {
			await backend(event, `/api/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		// Revoking this very session is logging out.
		if (text(form, 'current') === 'true') {
			clearSession(event.cookies, event.url);
			redirect(303, '/login');
		}
		return { revoked: id };
	}
};
