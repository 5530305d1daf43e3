// Data as the API returns it, for component tests.
import type { Incident } from '$lib/types';

/** openIncident is an open, unacknowledged incident of the monitor Shop, 243 s old. */
export const openIncident: Incident = {
	id: 'i1',
	monitor_id: 'm1',
	monitor_name: 'Shop',
	status: 'open',
	started_at: '2026-11-26T10:00:00Z',
	resolved_at: null,
	cause: 'down',
	error_kind: 'connection',
	first_error: 'connection refused',
	flapping: false,
	in_maintenance: false,
	acknowledged_at: null,
	duration_seconds: 243
};
