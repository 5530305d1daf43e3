import { backendRequest, loadFailed } from '$lib/server/session';
import { canManage } from '$lib/roles';
import type { AuditRecord } from '$lib/types';
import type { PageServerLoad } from './$types';

const PER_PAGE = 50;

export const load: PageServerLoad = async (event) => {
	const { url } = event;
	const filters = { action: url.searchParams.get('action') ?? '', resource_type: url.searchParams.get('resource_type') ?? '' };
	const page = Math.max(1, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1);
	if (!canManage(event.locals.session?.me.role ?? 'viewer')) {
		return { allowed: false, entries: [] as AuditRecord[], total: 0, page, perPage: PER_PAGE, filters };
	}
	const query = new URLSearchParams({ per_page: String(PER_PAGE), page: String(page) });
	if (filters.action) query.set('action', filters.action);
	if (filters.resource_type) query.set('resource_type', filters.resource_type);
	try {
		const { data, meta } = await backendRequest<AuditRecord[]>(event, `/api/v1/audit-log?${query}`);
		return { allowed: true, entries: data, total: Number(meta.total ?? data.length), page, perPage: PER_PAGE, filters };
	} catch (err) {
		loadFailed(err, url);
	}
};
