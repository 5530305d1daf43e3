import type { Handle } from '@sveltejs/kit';
import { backendURL } from '$lib/server/config';
import { proxy } from '$lib/server/proxy';

export const handle: Handle = async ({ event, resolve }) => {
	if (event.url.pathname.startsWith('/api/')) {
		return proxy(event.request, backendURL(), { clientAddress: clientAddress(event) });
	}
	return resolve(event);
};

function clientAddress(event: Parameters<Handle>[0]['event']): string | undefined {
	// getClientAddress throws where no socket exists (prerendering); the header is optional.
	try {
		return event.getClientAddress();
	} catch {
		return undefined;
	}
}
