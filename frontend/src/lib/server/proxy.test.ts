import { gzipSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { deadURL, listen, readBody, type TestServer } from '$lib/testing/server';
import { proxy } from './proxy';

let backend: TestServer | undefined;

afterEach(async () => {
	await backend?.close();
	backend = undefined;
});

const envelope404 = JSON.stringify({
	data: null,
	error: { code: 'NOT_FOUND', message: 'monitor not found' },
	meta: {}
});

describe('proxy', () => {
	it('forwards method, path, query and a streamed body', async () => {
		let seen: { method?: string; url?: string; body?: string } = {};
		backend = await listen(async (req, res) => {
			seen = { method: req.method, url: req.url, body: await readBody(req) };
			res.writeHead(201, { 'content-type': 'application/json' });
			res.end('{"data":{"id":"m1"},"error":null,"meta":{}}');
		});

		const body = new ReadableStream({
			start(controller) {
				controller.enqueue(new TextEncoder().encode('{"name":'));
				controller.enqueue(new TextEncoder().encode('"home"}'));
				controller.close();
			}
		});
		const request = new Request('http://app.test/api/v1/monitors?page=2&per_page=10', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body,
			duplex: 'half'
		} as RequestInit);
		const response = await proxy(request, backend.url);

		expect(seen).toEqual({
			method: 'POST',
			url: '/api/v1/monitors?page=2&per_page=10',
			body: '{"name":"home"}'
		});
		expect(response.status).toBe(201);
		expect(await response.text()).toBe('{"data":{"id":"m1"},"error":null,"meta":{}}');
	});

	it('forwards end-to-end headers, drops hop-by-hop ones and sets X-Forwarded-*', async () => {
		let seen: IncomingHttpHeaders = {};
		backend = await listen((req, res) => {
			seen = req.headers;
			res.setHeader('x-request-id', 'req-123');
			res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
			res.setHeader('cache-control', 'no-store');
			res.end('{}');
		});

		const request = new Request('https://app.example.com/api/v1/me', {
			headers: {
				authorization: 'Bearer secret',
				'x-request-id': 'req-123',
				'x-forwarded-for': '198.51.100.1',
				'accept-encoding': 'gzip, br',
				host: 'app.example.com',
				connection: 'keep-alive, x-hop',
				'keep-alive': 'timeout=5',
				upgrade: 'websocket',
				'x-hop': 'only for the next hop'
			}
		});
		const response = await proxy(request, backend.url, { clientAddress: '203.0.113.7' });

		expect(response.status).toBe(200);
		expect(seen.authorization).toBe('Bearer secret');
		expect(seen['x-request-id']).toBe('req-123');
		expect(seen['x-forwarded-for']).toBe('198.51.100.1, 203.0.113.7');
		expect(seen['x-forwarded-proto']).toBe('https');
		expect(seen['x-forwarded-host']).toBe('app.example.com');
		expect(seen.host).toBe(new URL(backend.url).host);
		expect(seen['accept-encoding']).toBe('identity');
		expect(seen['keep-alive']).toBeUndefined();
		expect(seen.upgrade).toBeUndefined();
		expect(seen['x-hop']).toBeUndefined();

		expect(response.headers.get('x-request-id')).toBe('req-123');
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(response.headers.get('content-length')).toBe('2');
		expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
		for (const name of ['connection', 'keep-alive', 'transfer-encoding']) {
			expect(response.headers.has(name), name).toBe(false);
		}
	});

	it('passes the backend error envelope through unchanged', async () => {
		backend = await listen((_req, res) => {
			res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
			res.end(envelope404);
		});

		const response = await proxy(new Request('http://app.test/api/v1/monitors/x'), backend.url);

		expect(response.status).toBe(404);
		expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(await response.text()).toBe(envelope404);
	});

	it('passes redirects and empty responses to the client instead of following them', async () => {
		backend = await listen((req, res) => {
			if (req.method === 'DELETE') res.writeHead(204).end();
			else res.writeHead(302, { location: '/api/v1/elsewhere' }).end();
		});

		const redirect = await proxy(new Request('http://app.test/api/v1/old'), backend.url);
		expect(redirect.status).toBe(302);
		expect(redirect.headers.get('location')).toBe('/api/v1/elsewhere');

		const deleted = await proxy(
			new Request('http://app.test/api/v1/monitors/1', { method: 'DELETE' }),
			backend.url
		);
		expect(deleted.status).toBe(204);
		expect(deleted.body).toBeNull();
	});

	it('drops content-encoding and content-length once fetch has decoded the body', async () => {
		const compressed = gzipSync('{"data":"plain","error":null,"meta":{}}');
		backend = await listen((_req, res) => {
			// A backend that compresses even though identity was asked for.
			res.writeHead(200, {
				'content-type': 'application/json',
				'content-encoding': 'gzip',
				'content-length': compressed.length
			});
			res.end(compressed);
		});

		const response = await proxy(new Request('http://app.test/api/v1/version'), backend.url);

		expect(response.headers.has('content-encoding')).toBe(false);
		expect(response.headers.has('content-length')).toBe(false);
		expect(await response.text()).toBe('{"data":"plain","error":null,"meta":{}}');
	});

	it('streams the response: the first event arrives before the second is written', async () => {
		let release!: () => void;
		const released = new Promise<void>((resolve) => (release = resolve));
		let secondWritten = false;
		backend = await listen(async (_req, res) => {
			res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
			res.write('data: first\n\n');
			await released;
			secondWritten = true;
			res.end('data: second\n\n');
		});

		const response = await proxy(new Request('http://app.test/api/v1/events'), backend.url);
		const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();

		const first = await reader.read();
		expect(first.value).toBe('data: first\n\n');
		expect(secondWritten).toBe(false);

		release();
		let rest = '';
		for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
			rest += chunk.value;
		}
		expect(rest).toBe('data: second\n\n');
		expect(response.headers.get('content-type')).toBe('text/event-stream');
	});

	it('closes the backend connection when the client stops reading', async () => {
		let backendClosed!: () => void;
		const closed = new Promise<void>((resolve) => (backendClosed = resolve));
		backend = await listen((_req, res) => {
			res.on('close', backendClosed);
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			res.write('data: first\n\n');
		});

		const response = await proxy(new Request('http://app.test/api/v1/events'), backend.url);
		const reader = response.body!.getReader();
		await reader.read();
		await reader.cancel();

		await closed;
	});

	it('answers 502 with the API envelope when nothing listens', async () => {
		const logged: string[] = [];
		const request = new Request('http://app.test/api/v1/version', {
			headers: { 'x-request-id': 'req-502' }
		});

		const response = await proxy(request, await deadURL(), { log: (m) => logged.push(m) });

		expect(response.status).toBe(502);
		expect(response.headers.get('content-type')).toBe('application/json');
		expect(response.headers.get('x-request-id')).toBe('req-502');
		expect(await response.json()).toEqual({
			data: null,
			error: { code: 'BAD_GATEWAY', message: 'backend unavailable' },
			meta: {}
		});
		expect(logged).toHaveLength(1);
		expect(logged[0]).toContain('ECONNREFUSED');
	});

	it('never leaves the backend host, even for a path that looks like a host', async () => {
		let seenURL: string | undefined;
		backend = await listen((req, res) => {
			seenURL = req.url;
			res.end('{}');
		});

		await proxy(new Request('http://app.test//evil.test/api/v1/x'), backend.url);

		expect(seenURL).toBe('//evil.test/api/v1/x');
	});
});

describe('proxy with a session', () => {
	it('sends the session token as the bearer token and never the cookie', async () => {
		let seen: IncomingHttpHeaders = {};
		backend = await listen((req, res) => {
			seen = req.headers;
			res.end('{}');
		});
		const request = new Request('http://app.test/api/v1/me', {
			headers: { cookie: 'vinsight_session=vis_abc; theme=dark' }
		});

		await proxy(request, backend.url, { token: 'vis_abc' });

		expect(seen.authorization).toBe('Bearer vis_abc');
		expect(seen.cookie).toBeUndefined();
	});

	it('keeps an Authorization header the client sent itself', async () => {
		let seen: IncomingHttpHeaders = {};
		backend = await listen((req, res) => {
			seen = req.headers;
			res.end('{}');
		});
		const request = new Request('http://app.test/api/v1/me', {
			headers: { authorization: 'Bearer vik_key' }
		});

		await proxy(request, backend.url, { token: 'vis_abc' });

		expect(seen.authorization).toBe('Bearer vik_key');
	});
});
