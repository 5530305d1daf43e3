import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

// Every page of the app needs a session; without one, log in and come back here.
export const load: LayoutServerLoad = ({ locals, url }) => {
	if (!locals.session) {
		redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	}
	return { me: locals.session.me, theme: locals.theme };
};
