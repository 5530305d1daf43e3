import { redirect } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { backend, setSession } from '$lib/server/session';
import type { TokenResponse } from '$lib/types';
import type { Actions } from './$types';

// Accepting creates the account (or checks the password of an existing one) and logs in to the tenant.
export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const name = text(form, 'name');
		try {
			const session = await backend<TokenResponse>(event, '/api/v1/invites/accept', {
				method: 'POST',
				json: { token: event.params.token, name, password: text(form, 'password') }
			});
			setSession(event.cookies, event.url, session.token, session.expires_at);
		} catch (err) {
			return refused(err, { name });
		}
		redirect(303, '/dashboard');
	}
};
