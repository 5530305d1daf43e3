import { fail, redirect } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { afterTenantDeleted, backend, clearSession, loadFailed } from '$lib/server/session';
import type { DeletedTenant, SessionInfo } from '$lib/types';
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
	},
	deleteWorkspace: async (event) => {
		const confirm = text(await event.request.formData(), 'confirm');
		let deleted: DeletedTenant;
		try {
			deleted = await backend<DeletedTenant>(event, '/api/v1/tenant', { method: 'DELETE', json: { confirm } });
		} catch (err) {
			const failure = refused(err, { confirm });
			// Marked, so that the page shows it in the danger zone, not beside the sessions.
			return fail(failure.status, { ...failure.data, deleting: true });
		}
		redirect(303, afterTenantDeleted(event.cookies, event.url, deleted.next_session));
	}
};
