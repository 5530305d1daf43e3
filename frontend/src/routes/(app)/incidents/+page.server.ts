import { backendRequest, loadFailed } from '$lib/server/session';
import type { Incident, Monitor } from '$lib/types';
import type { PageServerLoad } from './$types';

const PER_PAGE = 50;

export const load: PageServerLoad = async (event) => {
	event.depends('app:incidents');
	const { url } = event;
	const monitorID = url.searchParams.get('monitor_id') ?? '';
	const state = url.searchParams.get('state') ?? '';
	const page = Math.max(1, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1);
	const query = new URLSearchParams({ per_page: String(PER_PAGE), page: String(page) });
	if (monitorID) query.set('monitor_id', monitorID);
	if (state === 'open' || state === 'resolved') query.set('state', state);
	try {
		const [incidents, monitors] = await Promise.all([
			backendRequest<Incident[]>(event, `/api/v1/incidents?${query}`),
			backendRequest<Monitor[]>(event, '/api/v1/monitors?per_page=200&sort=name')
		]);
		return {
			incidents: incidents.data,
			total: Number(incidents.meta.total ?? incidents.data.length),
			page,
			perPage: PER_PAGE,
			monitors: monitors.data.map((m) => ({ id: m.id, name: m.name })),
			filters: { monitor_id: monitorID, state }
		};
	} catch (err) {
		loadFailed(err, url);
	}
};
