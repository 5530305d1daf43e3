import { error, redirect } from '@sveltejs/kit';
import { backend, setSession } from '$lib/server/session';
import type { TokenResponse } from '$lib/types';
import type { RequestHandler } from './$types';

// Switching tenants issues a new session for the other tenant and revokes this one.
export const POST: RequestHandler = async (event) => {
	const session = event.locals.session;
	if (!session) redirect(303, '/login');
	const tenantID = (await event.request.formData()).get('tenant_id');
	let next: TokenResponse;
	try {
		next = await backend<TokenResponse>(event, '/api/v1/auth/switch', {
			method: 'POST',
			json: { tenant_id: typeof tenantID === 'string' ? tenantID : '' }
		});
	} catch {
		error(404, 'You do not belong to that tenant.');
	}
	await backend(event, '/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
	setSession(event.cookies, event.url, next.token, next.expires_at);
	redirect(303, '/dashboard');
};
