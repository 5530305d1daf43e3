// The session: the API token lives in an httpOnly cookie that only this server reads.
import { error, redirect, type Cookies, type RequestEvent } from '@sveltejs/kit';
import { api, ApiError, request, type Meta } from '$lib/api';
import type { Me, TokenResponse } from '$lib/types';
import { backendURL } from './config';

/** SESSION_COOKIE holds the API session token (vis_…). */
export const SESSION_COOKIE = 'vinsight_session';

/** setSession stores token until expiresAt; Secure whenever the site is served over https. */
export function setSession(cookies: Cookies, url: URL, token: string, expiresAt: string): void {
	const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge
	});
}

/** clearSession forgets the token in the browser. */
export function clearSession(cookies: Cookies, url: URL): void {
	cookies.delete(SESSION_COOKIE, { path: '/', secure: url.protocol === 'https:' });
}

/**
 * afterTenantDeleted keeps the browser's session in step once its tenant is deleted
 * and says where to go: into the user's next tenant with the session the API issued
 * for it, or, when there is none, logged out to the login page.
 */
export function afterTenantDeleted(cookies: Cookies, url: URL, next: TokenResponse | null): string {
	if (next) {
		setSession(cookies, url, next.token, next.expires_at);
		return '/dashboard';
	}
	clearSession(cookies, url);
	return '/login?deleted=1';
}

/** Session is a verified token with who it belongs to. */
export interface Session {
	token: string;
	me: Me;
}

/**
 * verifySession asks the backend who token belongs to. It returns null when the
 * backend rejects the token (expired, revoked); other failures throw ApiError.
 */
export async function verifySession(token: string, base = backendURL()): Promise<Session | null> {
	try {
		const me = await api<Me>(fetch, `${base}/api/v1/me`, {
			headers: { authorization: `Bearer ${token}` },
			signal: AbortSignal.timeout(5000)
		});
		return me.user ? { token, me } : null;
	} catch (err) {
		if (err instanceof ApiError && err.status === 401) return null;
		throw err;
	}
}

/**
 * backend calls the API from this server on behalf of the browser: with the
 * session's token and the client's address, so rate limits and the session list
 * see the real client.
 */
export async function backend<T>(
	event: BackendEvent,
	path: string,
	options: BackendOptions = {}
): Promise<T> {
	return (await backendRequest<T>(event, path, options)).data;
}

type BackendEvent = Pick<RequestEvent, 'locals' | 'request' | 'getClientAddress'>;
type BackendOptions = { method?: string; json?: unknown; token?: string };

/** backendRequest is backend with the response's meta (page, per_page, total). */
export function backendRequest<T>(
	event: BackendEvent,
	path: string,
	options: BackendOptions = {}
): Promise<{ data: T; meta: Meta }> {
	const headers = new Headers();
	const token = options.token ?? event.locals.session?.token;
	if (token) headers.set('authorization', `Bearer ${token}`);
	const agent = event.request.headers.get('user-agent');
	if (agent) headers.set('user-agent', agent);
	const client = clientAddress(event);
	if (client) headers.set('x-forwarded-for', client);
	return request<T>(fetch, `${backendURL()}${path}`, {
		method: options.method ?? 'GET',
		json: options.json,
		headers,
		signal: AbortSignal.timeout(15000)
	});
}

/** clientAddress is the browser's address, or undefined where there is no socket. */
export function clientAddress(event: Pick<RequestEvent, 'getClientAddress'>): string | undefined {
	try {
		return event.getClientAddress();
	} catch {
		return undefined;
	}
}

/** safeNext keeps a post-login destination on this site: a path, never another origin. */
export function safeNext(next: string | null | undefined): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
		return '/dashboard';
	}
	return next;
}

/**
 * crossSiteWrite reports a state-changing request authenticated by the cookie
 * that did not come from a page of this site. SameSite=Lax already keeps the
 * cookie off cross-site POSTs; this also stops sibling subdomains and old browsers.
 */
export function crossSiteWrite(request: Request, url: URL): boolean {
	if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') {
		return false;
	}
	return request.headers.get('origin') !== url.origin;
}

/**
 * loadFailed turns an API error in a load function into what the browser should
 * see: the login page (and back) for an ended session, the API's status otherwise.
 */
export function loadFailed(err: unknown, url: URL): never {
	if (err instanceof ApiError) {
		if (err.status === 401) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
		if (err.status === 0 || err.status >= 500) error(502, 'The backend is unavailable; try again shortly.');
		error(err.status, err.message);
	}
	throw err;
}
