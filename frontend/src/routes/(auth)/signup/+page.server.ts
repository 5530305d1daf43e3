import { redirect } from '@sveltejs/kit';
import { backend, setSession } from '$lib/server/session';
import { refused, text } from '$lib/server/forms';
import type { TokenResponse } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (locals.session) redirect(303, '/dashboard');
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const values = {
			name: text(form, 'name'),
			email: text(form, 'email'),
			tenant_name: text(form, 'tenant_name')
		};
		try {
			const session = await backend<TokenResponse>(event, '/api/v1/auth/signup', {
				method: 'POST',
				json: { ...values, password: text(form, 'password') }
			});
			setSession(event.cookies, event.url, session.token, session.expires_at);
		} catch (err) {
			return refused(err, values);
		}
		redirect(303, '/dashboard');
	}
};
