import { backendRequest, loadFailed } from '$lib/server/session';
import type { StatusPage } from '$lib/status-page';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	try {
		const { data, meta } = await backendRequest<StatusPage[]>(event, '/api/v1/status-pages?per_page=200');
		return { pages: data, total: Number(meta.total ?? data.length) };
	} catch (err) {
		loadFailed(err, event.url);
	}
};
