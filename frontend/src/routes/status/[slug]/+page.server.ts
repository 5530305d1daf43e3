import { error } from '@sveltejs/kit';
import { ApiError, api } from '$lib/api';
import { backendURL } from '$lib/server/config';
import { PUBLIC_CACHE_CONTROL, type PublicStatusPage } from '$lib/status-page';
import type { PageServerLoad } from './$types';

// A public status page: no session needed, nothing of the visitor's used, so
// browsers and CDNs may keep it as briefly as the API does.
export const load: PageServerLoad = async ({ params, fetch, setHeaders }) => {
	try {
		const page = await api<PublicStatusPage>(
			fetch,
			`${backendURL()}/api/v1/public/status-pages/${encodeURIComponent(params.slug)}`
		);
		setHeaders({ 'cache-control': PUBLIC_CACHE_CONTROL });
		return { page };
	} catch (err) {
		if (err instanceof ApiError && err.status === 404) error(404, 'There is no status page at this address.');
		if (err instanceof ApiError) error(502, 'The status page is unavailable; try again shortly.');
		throw err;
	}
};
