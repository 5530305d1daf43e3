import { redirect } from '@sveltejs/kit';
import { backend, safeNext, setSession } from '$lib/server/session';
import { refused, text } from '$lib/server/forms';
import type { TokenResponse } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.session) redirect(303, safeNext(url.searchParams.get('next')));
	return { next: url.searchParams.get('next') ?? '', deleted: url.searchParams.has('deleted') };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await event.request.formData();
		const email = text(form, 'email');
		try {
			const session = await backend<TokenResponse>(event, '/api/v1/auth/login', {
				method: 'POST',
				json: { email, password: text(form, 'password') }
			});
			setSession(event.cookies, event.url, session.token, session.expires_at);
		} catch (err) {
			return refused(err, { email });
		}
		redirect(303, safeNext(event.url.searchParams.get('next')));
	}
};
