import { api, ApiError } from '$lib/api';
import { backendURL } from '$lib/server/config';
import type { VersionInfo } from '$lib/types';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ fetch }) => {
	const url = `${backendURL()}/api/v1/version`;
	try {
		// A hung backend must not hang the page that reports on it.
		const info = await api<VersionInfo>(fetch, url, { signal: AbortSignal.timeout(2000) });
		return { backend: { ok: true as const, ...info } };
	} catch (err) {
		const reason = err instanceof ApiError ? err.message : 'no answer';
		return { backend: { ok: false as const, url, reason } };
	}
};
