/** VersionInfo is the data of GET /api/v1/version. */
export interface VersionInfo {
	version: string;
	storage: 'postgres' | 'timescale';
}

export type Role = 'owner' | 'admin' | 'member' | 'viewer';

/** Membership is one tenant a user belongs to. */
export interface Membership {
	tenant_id: string;
	tenant_name: string;
	role: Role;
}

/** Me is the data of GET /api/v1/me. */
export interface Me {
	user: { id: string; email: string; name: string } | null;
	api_key: { id: string; name: string } | null;
	tenant: Membership;
	role: Role;
	tenants: Membership[];
}

/** TokenResponse is the data of signup, login and switch. */
export interface TokenResponse {
	token: string;
	expires_at: string;
	tenant_id: string;
	user_id: string;
}

export type MonitorType = 'http' | 'keyword' | 'tcp' | 'dns' | 'icmp' | 'tls' | 'heartbeat';
export type MonitorStatus = 'pending' | 'up' | 'degraded' | 'down' | 'paused';

export const MONITOR_TYPES: MonitorType[] = ['http', 'keyword', 'tcp', 'dns', 'icmp', 'tls', 'heartbeat'];
export const MONITOR_STATUSES: MonitorStatus[] = ['up', 'degraded', 'down', 'pending', 'paused'];

/** DashboardMonitor is one row of GET /api/v1/dashboard. */
export interface DashboardMonitor {
	id: string;
	name: string;
	type: MonitorType;
	target: string;
	status: MonitorStatus;
	enabled: boolean;
	interval_seconds: number;
	last_checked_at: string | null;
	last_latency_ms: number | null;
	uptime_24h: number | null;
	checks_24h: number;
	daily_uptime: (number | null)[];
	daily_failed_checks: number[];
	hourly_latency_ms: (number | null)[];
}

/** Dashboard is the data of GET /api/v1/dashboard. */
export interface Dashboard {
	days: string[];
	hours: string[];
	monitors: DashboardMonitor[];
}

/** Monitor is the data of GET /api/v1/monitors/:id; config is the object of its type. */
export interface Monitor {
	id: string;
	name: string;
	type: MonitorType;
	target: string;
	interval_seconds: number;
	timeout_seconds: number;
	enabled: boolean;
	config: Record<string, unknown>;
	notification_channel_ids: string[];
	regions: string[];
	tags: string[];
	status: MonitorStatus;
	last_checked_at: string | null;
	created_at: string;
	updated_at: string;
	heartbeat_url?: string;
}

/** UptimeWindow is one window of GET /api/v1/monitors/:id/uptime. */
export interface UptimeWindow {
	window: string;
	from: string;
	to: string;
	incidents: number;
	checks: number;
	failed_checks: number;
	uptime: number | null;
	downtime_seconds: number;
}

/** SeriesPoint is one bucket of GET /api/v1/monitors/:id/series. */
export interface SeriesPoint {
	time: string;
	checks: number;
	failed_checks: number;
	uptime: number | null;
	latency_p50_ms: number | null;
	latency_p95_ms: number | null;
	latency_p99_ms: number | null;
}

/** Series is the data of GET /api/v1/monitors/:id/series. */
export interface Series {
	from: string;
	to: string;
	step: string;
	step_seconds: number;
	points: SeriesPoint[];
}

/** CheckResult is one raw result of GET /api/v1/monitors/:id/results. */
export interface CheckResult {
	time: string;
	region: string;
	status: 'up' | 'degraded' | 'down';
	latency_ms: number | null;
	status_code: number | null;
	error_kind: string | null;
	message: string | null;
}

/** Incident is one incident of GET /api/v1/incidents. */
export interface Incident {
	id: string;
	monitor_id: string;
	monitor_name: string;
	status: 'open' | 'resolved';
	started_at: string;
	resolved_at: string | null;
	cause: 'down' | 'degraded';
	error_kind: string;
	first_error: string;
	flapping: boolean;
	in_maintenance: boolean;
	acknowledged_at: string | null;
	duration_seconds: number;
}

/** NotificationChannel is one channel of GET /api/v1/notification-channels. */
export interface NotificationChannel {
	id: string;
	name: string;
	type: string;
	is_default: boolean;
	enabled: boolean;
}
