import { redirect } from '@sveltejs/kit';
import { refused } from '$lib/server/forms';
import { backend, backendRequest, loadFailed } from '$lib/server/session';
import { chartRange } from '$lib/series';
import type { CheckResult, Incident, Monitor, Series, UptimeWindow } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

const RESULTS_PER_PAGE = 25;

export const load: PageServerLoad = async (event) => {
	event.depends('app:monitor');
	const { url, params } = event;
	const base = `/api/v1/monitors/${encodeURIComponent(params.id)}`;
	const range = chartRange(url.searchParams, new Date());
	const failedOnly = url.searchParams.get('results') === 'failed';
	const cursor = url.searchParams.get('cursor') ?? '';
	const results = new URLSearchParams({ per_page: String(RESULTS_PER_PAGE) });
	if (cursor) results.set('cursor', cursor);
	if (failedOnly) results.set('status', 'down,degraded');
	const series = new URLSearchParams({ from: range.from.toISOString(), to: range.to.toISOString() });
	try {
		const [monitor, uptime, chart, page, incidents] = await Promise.all([
			backend<Monitor>(event, base),
			backend<{ windows: UptimeWindow[] }>(event, `${base}/uptime?windows=24h,7d,30d,90d`),
			backend<Series>(event, `${base}/series?${series}`),
			backendRequest<CheckResult[]>(event, `${base}/results?${results}`),
			backend<Incident[]>(event, `${base}/incidents?per_page=10`)
		]);
		return {
			monitor,
			uptime: uptime.windows,
			series: chart,
			range: { name: range.range, zoomed: range.zoomed },
			results: page.data,
			nextCursor: typeof page.meta.next_cursor === 'string' ? page.meta.next_cursor : '',
			cursor,
			failedOnly,
			incidents,
			created: url.searchParams.has('created')
		};
	} catch (err) {
		loadFailed(err, url);
	}
};

// Pausing, resuming and deleting are plain POSTs, so they work without JavaScript too.
export const actions: Actions = {
	pause: (event) => setEnabled(event, 'pause'),
	resume: (event) => setEnabled(event, 'resume'),
	delete: async (event) => {
		try {
			await backend(event, `/api/v1/monitors/${encodeURIComponent(event.params.id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		redirect(303, '/dashboard');
	}
};

async function setEnabled(event: Parameters<Actions[string]>[0], verb: 'pause' | 'resume') {
	try {
		await backend(event, `/api/v1/monitors/${encodeURIComponent(event.params.id ?? '')}/${verb}`, { method: 'POST' });
	} catch (err) {
		return refused(err);
	}
}
