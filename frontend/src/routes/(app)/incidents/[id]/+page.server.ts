import { fail } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { backend, loadFailed } from '$lib/server/session';
import type { IncidentDetail } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends('app:incident');
	try {
		return { incident: await backend<IncidentDetail>(event, `/api/v1/incidents/${encodeURIComponent(event.params.id)}`) };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	acknowledge: async (event) => {
		try {
			await backend(event, `/api/v1/incidents/${encodeURIComponent(event.params.id)}/acknowledge`, { method: 'POST' });
		} catch (err) {
			return refused(err);
		}
		return { acknowledged: true };
	},
	comment: async (event) => {
		const body = text(await event.request.formData(), 'body');
		if (!body.trim()) return fail(400, { message: 'Write a comment first.', errors: { body: 'required' }, values: { body } });
		try {
			await backend(event, `/api/v1/incidents/${encodeURIComponent(event.params.id)}/comments`, {
				method: 'POST',
				json: { body }
			});
		} catch (err) {
			return refused(err, { body });
		}
		return { commented: true };
	}
};
