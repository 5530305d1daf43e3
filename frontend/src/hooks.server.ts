import type { Handle } from '@sveltejs/kit';
import { backendURL } from '$lib/server/config';
import { isTimeZone, TIME_ZONE_COOKIE } from '$lib/format';
import { proxy } from '$lib/server/proxy';
import {
	SESSION_COOKIE,
	clearSession,
	clientAddress,
	crossSiteWrite,
	verifySession
} from '$lib/server/session';

export const handle: Handle = async ({ event, resolve }) => {
	const token = event.cookies.get(SESSION_COOKIE);

	if (event.url.pathname.startsWith('/api/')) {
		// A cookie-authenticated write must come from a page of this site.
		if (token && !event.request.headers.has('authorization') && crossSiteWrite(event.request, event.url)) {
			return forbidden();
		}
		return proxy(event.request, backendURL(), { clientAddress: clientAddress(event), token });
	}

	event.locals.session = null;
	if (token) {
		try {
			event.locals.session = await verifySession(token);
			if (!event.locals.session) clearSession(event.cookies, event.url);
		} catch {
			// The backend is away: keep the cookie, pages say the backend is unavailable.
		}
	}
	const theme = event.cookies.get('theme');
	event.locals.theme = theme === 'light' || theme === 'dark' ? theme : '';
	const zone = event.cookies.get(TIME_ZONE_COOKIE);
	event.locals.timeZone = isTimeZone(zone) ? zone : 'UTC';

	return resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%vinsight.theme%', event.locals.theme)
	});
};

function forbidden(): Response {
	const envelope = {
		data: null,
		error: { code: 'FORBIDDEN', message: 'cross-site request refused' },
		meta: {}
	};
	return new Response(JSON.stringify(envelope), {
		status: 403,
		headers: { 'content-type': 'application/json' }
	});
}
