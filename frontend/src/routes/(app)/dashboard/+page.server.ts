import { backendRequest, loadFailed } from '$lib/server/session';
import type { Dashboard } from '$lib/types';
import type { PageServerLoad } from './$types';

/** PER_PAGE rows a page: 1,000 monitors are ten quick pages, not one slow one. */
const PER_PAGE = 100;
const FILTERS = ['q', 'status', 'type', 'sort'] as const;

export const load: PageServerLoad = async (event) => {
	event.depends('app:dashboard');
	const { url } = event;
	const query = new URLSearchParams({ per_page: String(PER_PAGE), sort: 'status' });
	for (const name of FILTERS) {
		const value = url.searchParams.get(name);
		if (value) query.set(name, value);
	}
	const page = Math.max(1, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1);
	query.set('page', String(page));
	try {
		const { data, meta } = await backendRequest<Dashboard>(event, `/api/v1/dashboard?${query}`);
		return {
			dashboard: data,
			page,
			perPage: PER_PAGE,
			total: Number(meta.total ?? data.monitors.length),
			filters: {
				q: url.searchParams.get('q') ?? '',
				status: url.searchParams.get('status') ?? '',
				type: url.searchParams.get('type') ?? '',
				sort: url.searchParams.get('sort') ?? 'status'
			},
			loadedAt: new Date().toISOString()
		};
	} catch (err) {
		loadFailed(err, url);
	}
};
