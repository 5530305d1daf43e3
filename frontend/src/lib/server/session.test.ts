import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '$lib/testing/server';
import type { Cookies } from '@sveltejs/kit';
import { afterTenantDeleted, crossSiteWrite, safeNext, SESSION_COOKIE, verifySession } from './session';

describe('safeNext', () => {
	it.each([
		[null, '/dashboard'],
		['', '/dashboard'],
		['/monitors/1?range=7d', '/monitors/1?range=7d'],
		['//evil.test/x', '/dashboard'],
		['/\\evil.test', '/dashboard'],
		['https://evil.test/', '/dashboard'],
		['javascript:alert(1)', '/dashboard']
	])('%s goes to %s', (next, to) => {
		expect(safeNext(next)).toBe(to);
	});
});

describe('crossSiteWrite', () => {
	const url = new URL('https://app.example.com/api/v1/monitors');
	const req = (method: string, origin?: string) =>
		new Request(url, { method, headers: origin ? { origin } : {} });

	it('lets reads through whatever their origin', () => {
		expect(crossSiteWrite(req('GET', 'https://evil.test'), url)).toBe(false);
	});

	it('lets writes from this site through', () => {
		expect(crossSiteWrite(req('POST', 'https://app.example.com'), url)).toBe(false);
	});

	it('stops writes from elsewhere or of unknown origin', () => {
		expect(crossSiteWrite(req('DELETE', 'https://evil.test'), url)).toBe(true);
		expect(crossSiteWrite(req('POST', 'https://sub.app.example.com'), url)).toBe(true);
		expect(crossSiteWrite(req('PUT'), url)).toBe(true);
	});
});

describe('verifySession', () => {
	let backend: TestServer;

	beforeAll(async () => {
		backend = await listen((req, res) => {
			res.setHeader('content-type', 'application/json');
			if (req.headers.authorization === 'Bearer vis_good') {
				res.end(
					JSON.stringify({
						data: {
							user: { id: 'u1', email: 'ada@example.com', name: 'Ada' },
							api_key: null,
							tenant: { tenant_id: 't1', tenant_name: 'Acme', role: 'owner' },
							role: 'owner',
							tenants: [{ tenant_id: 't1', tenant_name: 'Acme', role: 'owner' }]
						},
						error: null,
						meta: {}
					})
				);
			} else if (req.headers.authorization === 'Bearer vis_broken') {
				res.writeHead(500).end(JSON.stringify({ data: null, error: { code: 'INTERNAL', message: 'x' } }));
			} else {
				res.writeHead(401).end(JSON.stringify({ data: null, error: { code: 'UNAUTHORIZED', message: 'no' } }));
			}
		});
	});

	afterAll(async () => {
		await backend.close();
	});

	it('names the user and tenant of a valid token', async () => {
		const session = await verifySession('vis_good', backend.url);
		expect(session?.me.user?.email).toBe('ada@example.com');
		expect(session?.me.tenant.tenant_name).toBe('Acme');
	});

	it('answers null for a token the backend rejects', async () => {
		expect(await verifySession('vis_expired', backend.url)).toBeNull();
	});

	it('throws when the backend fails, so the cookie is not thrown away', async () => {
		await expect(verifySession('vis_broken', backend.url)).rejects.toThrow();
	});
});

describe('afterTenantDeleted', () => {
	function jar() {
		const calls: string[] = [];
		const cookies = {
			set: (name: string, value: string) => calls.push(`set ${name}=${value}`),
			delete: (name: string) => calls.push(`delete ${name}`)
		} as unknown as Cookies;
		return { cookies, calls };
	}
	const url = new URL('https://app.example.com/account?/deleteWorkspace');

	it('moves into the next tenant with the session the API issued', () => {
		const { cookies, calls } = jar();
		const next = { token: 'vis_next', expires_at: '2099-01-01T00:00:00Z', tenant_id: 't2', user_id: 'u1' };
		expect(afterTenantDeleted(cookies, url, next)).toBe('/dashboard');
		expect(calls).toEqual([`set ${SESSION_COOKIE}=vis_next`]);
	});

	it('logs out to the login page when no tenant is left', () => {
		const { cookies, calls } = jar();
		expect(afterTenantDeleted(cookies, url, null)).toBe('/login?deleted=1');
		expect(calls).toEqual([`delete ${SESSION_COOKIE}`]);
	});
});
