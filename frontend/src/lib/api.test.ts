import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ApiError, request } from './api';
import { deadURL, listen, readBody, type TestServer } from './testing/server';

let backend: TestServer;

beforeAll(async () => {
	backend = await listen(async (req, res) => {
		const json = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		switch (req.url) {
			case '/api/v1/monitors':
				return json(200, { data: [{ id: 'm1' }], error: null, meta: { page: 1, per_page: 20, total: 1 } });
			case '/api/v1/echo':
				return json(200, {
					data: { method: req.method, type: req.headers['content-type'], body: await readBody(req) },
					error: null,
					meta: {}
				});
			case '/api/v1/monitors/bad':
				return json(422, {
					data: null,
					error: { code: 'VALIDATION_ERROR', message: 'invalid monitor', details: { interval_seconds: 'must be at least 30' } },
					meta: {}
				});
			case '/api/v1/monitors/gone':
				return res.writeHead(204).end();
			case '/api/v1/missing':
				return json(404, { data: null, error: { code: 'NOT_FOUND', message: 'not found' } });
			default:
				res.writeHead(502, { 'content-type': 'text/html' });
				res.end('<html>Bad Gateway</html>');
		}
	});
});

afterAll(() => backend.close());

async function caught(promise: Promise<unknown>): Promise<ApiError> {
	const err = await promise.then(() => undefined, (e: unknown) => e);
	expect(err).toBeInstanceOf(ApiError);
	return err as ApiError;
}

describe('api', () => {
	it('returns data, and meta through request', async () => {
		expect(await api(fetch, `${backend.url}/api/v1/monitors`)).toEqual([{ id: 'm1' }]);
		const { data, meta } = await request(fetch, `${backend.url}/api/v1/monitors`);
		expect(data).toEqual([{ id: 'm1' }]);
		expect(meta).toEqual({ page: 1, per_page: 20, total: 1 });
	});

	it('reads 204 No Content as success without data', async () => {
		expect(await api(fetch, `${backend.url}/api/v1/monitors/gone`, { method: 'DELETE' })).toBeNull();
	});

	it('sends a json body as JSON', async () => {
		const echoed = await api(fetch, `${backend.url}/api/v1/echo`, { method: 'POST', json: { name: 'home' } });
		expect(echoed).toEqual({ method: 'POST', type: 'application/json', body: '{"name":"home"}' });
	});

	it('throws ApiError with code, message, details and status from an error envelope', async () => {
		const err = await caught(api(fetch, `${backend.url}/api/v1/monitors/bad`));
		expect(err.status).toBe(422);
		expect(err.code).toBe('VALIDATION_ERROR');
		expect(err.message).toBe('invalid monitor');
		expect(err.details).toEqual({ interval_seconds: 'must be at least 30' });

		const missing = await caught(api(fetch, `${backend.url}/api/v1/missing`));
		expect([missing.status, missing.code, missing.details]).toEqual([404, 'NOT_FOUND', {}]);
	});

	it('throws BAD_RESPONSE when something other than the API answers', async () => {
		const err = await caught(api(fetch, `${backend.url}/not-the-api`));
		expect([err.status, err.code]).toEqual([502, 'BAD_RESPONSE']);
	});

	it('throws NETWORK_ERROR with status 0 when nothing answers', async () => {
		const err = await caught(api(fetch, `${await deadURL()}/api/v1/version`));
		expect([err.status, err.code]).toEqual([0, 'NETWORK_ERROR']);
	});
});
