import { redirect } from '@sveltejs/kit';
import { backend, clearSession } from '$lib/server/session';
import type { RequestHandler } from './$types';

// POST only (a form, checked for its origin by SvelteKit): a link must not log anyone out.
export const POST: RequestHandler = async (event) => {
	if (event.locals.session) {
		// Revoke on the backend too; a backend that is away cannot stop the browser forgetting.
		await backend(event, '/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
	}
	clearSession(event.cookies, event.url);
	redirect(303, '/login');
};
