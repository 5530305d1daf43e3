// The one client of the V-Insight API: it knows the envelope
// {"data": ..., "error": null | {code, message, details}, "meta": {...}}.

export type Meta = Record<string, unknown>;

interface ErrorBody {
	code: string;
	message: string;
	details?: Record<string, string>;
}

interface Envelope<T> {
	data: T | null;
	error: ErrorBody | null;
	meta?: Meta;
}

/** ApiError is an error envelope (or a failure to get one), with the HTTP status; 0 means no response. */
export class ApiError extends Error {
	readonly status: number;
	readonly code: string;
	readonly details: Record<string, string>;

	constructor(status: number, code: string, message: string, details: Record<string, string> = {}) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.details = details;
	}
}

/** Fetch is the fetch to use: SvelteKit's event.fetch in load functions, the global one elsewhere. */
export type Fetch = typeof fetch;

/** RequestOptions adds a JSON body to RequestInit. */
export interface RequestOptions extends RequestInit {
	json?: unknown;
}

/** request calls the API and returns data and meta, or throws ApiError. */
export async function request<T>(
	fetchFn: Fetch,
	url: string,
	options: RequestOptions = {}
): Promise<{ data: T; meta: Meta }> {
	const { json, ...init } = options;
	const headers = new Headers(init.headers);
	headers.set('accept', 'application/json');
	if (json !== undefined) {
		headers.set('content-type', 'application/json');
		init.body = JSON.stringify(json);
	}

	let response: Response;
	try {
		response = await fetchFn(url, { ...init, headers });
	} catch (err) {
		// Node's fetch says only "fetch failed"; the cause names the real problem (ECONNREFUSED, ENOTFOUND).
		const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
		throw new ApiError(0, 'NETWORK_ERROR', cause instanceof Error ? cause.message : String(cause));
	}

	// A DELETE answers 204 No Content: success with nothing to read.
	if (response.status === 204) return { data: null as T, meta: {} };

	let envelope: Envelope<T>;
	try {
		envelope = (await response.json()) as Envelope<T>;
	} catch {
		// Something other than our backend answered (a load balancer page, an empty body).
		throw new ApiError(response.status, 'BAD_RESPONSE', `unexpected response (HTTP ${response.status})`);
	}
	if (envelope?.error) {
		const { code, message, details } = envelope.error;
		throw new ApiError(response.status, code, message, details ?? {});
	}
	if (!response.ok || envelope === null || typeof envelope !== 'object' || !('data' in envelope)) {
		throw new ApiError(response.status, 'BAD_RESPONSE', `unexpected response (HTTP ${response.status})`);
	}
	return { data: envelope.data as T, meta: envelope.meta ?? {} };
}

/** api calls the API and returns only data, or throws ApiError. */
export async function api<T>(fetchFn: Fetch, url: string, options: RequestOptions = {}): Promise<T> {
	return (await request<T>(fetchFn, url, options)).data;
}
