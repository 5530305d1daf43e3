// Forwards /api/* to the Go backend so the browser only ever talks to one origin.

// Hop-by-hop headers describe a single connection (RFC 9110 §7.6.1), so they never
// cross the proxy; host must name the backend, which fetch sets from the URL.
const HOP_BY_HOP = new Set([
	'connection',
	'keep-alive',
	'proxy-authenticate',
	'proxy-authorization',
	'proxy-connection',
	'te',
	'trailer',
	'transfer-encoding',
	'upgrade',
	'host'
]);

// Responses with these statuses must not carry a body; the Response constructor throws otherwise.
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export interface ProxyOptions {
	/** Address of the client as seen by this server, appended to X-Forwarded-For. */
	clientAddress?: string;
	/** Session token from the cookie, sent as the bearer token unless the request brings its own. */
	token?: string;
	/** Injected so tests can observe failures without noise on stderr. */
	log?: (message: string) => void;
}

/** proxy sends request to the same path and query under backendURL and streams the answer back. */
export async function proxy(
	request: Request,
	backendURL: string,
	options: ProxyOptions = {}
): Promise<Response> {
	const incoming = new URL(request.url);
	// Concatenate rather than resolve: new URL('//host/x', base) would switch hosts.
	const target = new URL(backendURL.replace(/\/+$/, '') + incoming.pathname + incoming.search);
	const hasBody = request.method !== 'GET' && request.method !== 'HEAD';

	let upstream: Response;
	try {
		upstream = await fetch(target, {
			method: request.method,
			headers: requestHeaders(request, incoming, options),
			body: hasBody ? request.body : null,
			// Stream the request body instead of buffering it; Node's fetch requires this flag.
			duplex: 'half',
			// Redirects belong to the browser: following them here would hide Location from it.
			redirect: 'manual'
		} as RequestInit);
	} catch (err) {
		const log = options.log ?? console.error;
		log(`proxy: ${request.method} ${target.pathname}: backend unavailable: ${describe(err)}`);
		return badGateway(request.headers.get('x-request-id'));
	}

	const body =
		request.method === 'HEAD' || NULL_BODY_STATUS.has(upstream.status) ? null : upstream.body;
	// Passing the body stream on (not reading it) keeps server-sent events unbuffered, and
	// cancelling it when the browser goes away closes the backend connection too.
	return new Response(body, {
		status: upstream.status,
		statusText: upstream.statusText,
		headers: responseHeaders(upstream.headers)
	});
}

function requestHeaders(request: Request, incoming: URL, options: ProxyOptions): Headers {
	const headers = copyHeaders(request.headers);
	// The backend authenticates by bearer token only; the session cookie stays on this side.
	headers.delete('cookie');
	if (options.token && !headers.has('authorization')) {
		headers.set('authorization', `Bearer ${options.token}`);
	}
	const clientAddress = options.clientAddress;
	// Compression between two processes on one network buys nothing, and fetch would
	// decode it anyway; asking for identity keeps bytes and streaming as the backend wrote them.
	headers.set('accept-encoding', 'identity');

	const forwardedFor = request.headers.get('x-forwarded-for');
	if (clientAddress) {
		headers.set('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${clientAddress}` : clientAddress);
	}
	// request.url already reflects adapter-node's ORIGIN / PROTOCOL_HEADER / HOST_HEADER settings.
	headers.set('x-forwarded-proto', incoming.protocol.replace(/:$/, ''));
	headers.set('x-forwarded-host', incoming.host);
	return headers;
}

function responseHeaders(upstream: Headers): Headers {
	const headers = copyHeaders(upstream);
	// fetch has already decoded a compressed body, so its encoding and length no longer apply.
	const encoding = upstream.get('content-encoding');
	if (encoding && encoding.toLowerCase() !== 'identity') {
		headers.delete('content-encoding');
		headers.delete('content-length');
	}
	return headers;
}

// copyHeaders drops hop-by-hop headers, including any the Connection header names.
function copyHeaders(source: Headers): Headers {
	const drop = new Set(HOP_BY_HOP);
	for (const token of (source.get('connection') ?? '').split(',')) {
		const name = token.trim().toLowerCase();
		if (name) drop.add(name);
	}
	const headers = new Headers();
	// Iteration yields each Set-Cookie separately, so append keeps them apart.
	for (const [name, value] of source) {
		if (!drop.has(name)) headers.append(name, value);
	}
	return headers;
}

function badGateway(requestID: string | null): Response {
	const headers = new Headers({ 'content-type': 'application/json' });
	if (requestID) headers.set('x-request-id', requestID);
	const envelope = {
		data: null,
		error: { code: 'BAD_GATEWAY', message: 'backend unavailable' },
		meta: {}
	};
	return new Response(JSON.stringify(envelope), { status: 502, headers });
}

function describe(err: unknown): string {
	// fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND) in cause.
	const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
	if (cause instanceof Error) {
		const code = (cause as NodeJS.ErrnoException).code;
		return code ? `${code} ${cause.message}` : cause.message;
	}
	return String(cause);
}
