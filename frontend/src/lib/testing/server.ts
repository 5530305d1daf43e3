// Real loopback HTTP servers for tests: the proxy and API client are exercised over sockets, not mocks.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
	url: string;
	close: () => Promise<void>;
}

/** listen starts handler on 127.0.0.1 on a free port. */
export async function listen(handler: RequestListener): Promise<TestServer> {
	const server = createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				// Streaming tests may leave connections open; don't wait for them to drain.
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

/** deadURL returns a loopback URL on which nothing listens: a port that was free a moment ago. */
export async function deadURL(): Promise<string> {
	const server = await listen(() => {});
	await server.close();
	return server.url;
}

/** readBody collects a request body as text. */
export async function readBody(req: AsyncIterable<Buffer>): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk);
	return Buffer.concat(chunks).toString('utf8');
}
