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

/** DeletedTenant is the data of DELETE /api/v1/tenant. */
export interface DeletedTenant {
	tenant_id: string;
	deleted_at: string;
	/** A session for the user's next tenant; null when they belong to no other. */
	next_session: TokenResponse | null;
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

/** IncidentEvent is one entry of an incident's timeline. */
export interface IncidentEvent {
	at: string;
	kind: string;
	message: string;
	actor?: string;
	details: Record<string, unknown> | null;
}

/** IncidentDetail is the data of GET /api/v1/incidents/:id. */
export interface IncidentDetail extends Incident {
	timeline: IncidentEvent[];
}

export type ChannelType = 'email' | 'webhook' | 'shoutrrr';
export const CHANNEL_TYPES: ChannelType[] = ['email', 'webhook', 'shoutrrr'];

/** ChannelConfig is a channel's settings as the API returns them: secrets masked. */
export interface ChannelConfig {
	to?: string[];
	url?: string;
	secret?: string;
	headers?: Record<string, string>;
}

/** Channel is the data of GET /api/v1/notification-channels/:id. */
export interface Channel extends NotificationChannel {
	type: ChannelType;
	config: ChannelConfig;
	created_at: string;
	updated_at: string;
}

/** DeliveryOutcome is the data of POST /api/v1/notification-channels/:id/test. */
export interface DeliveryOutcome {
	delivery_id: string;
	event_id: string;
	status: 'pending' | 'delivered' | 'failed';
	attempts: number;
	last_error: string;
}

/** MaintenanceWindow is one window of GET /api/v1/maintenance-windows. */
export interface MaintenanceWindow {
	id: string;
	name: string;
	starts_at: string;
	ends_at: string;
	time_zone: string;
	rrule: string;
	all_monitors: boolean;
	monitor_ids: string[] | null;
	tags: string[] | null;
	created_at: string;
	updated_at: string;
	active: boolean;
	next: { from: string; to: string } | null;
}

/** Member is one member of GET /api/v1/members. */
export interface Member {
	user_id: string;
	email: string;
	name: string;
	role: Role;
	joined_at: string;
}

export const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];

/** Invite is one pending invitation of GET /api/v1/invites. */
export interface Invite {
	id: string;
	email: string;
	role: Role;
	invited_by: string | null;
	created_at: string;
	expires_at: string;
}

/** CreatedInvite is the data of POST /api/v1/invites; token and link only when no mail was sent. */
export interface CreatedInvite extends Invite {
	mailed: boolean;
	token?: string;
	link?: string;
}

/** APIKey is one key of GET /api/v1/api-keys; the secret itself is never listed. */
export interface APIKey {
	id: string;
	name: string;
	prefix: string;
	scope: 'read' | 'write';
	created_at: string;
	last_used_at: string | null;
	created_by: string | null;
}

/** CreatedAPIKey is the data of POST /api/v1/api-keys: the only time the secret is shown. */
export interface CreatedAPIKey extends APIKey {
	key: string;
}

/** SessionInfo is one session of GET /api/v1/sessions. */
export interface SessionInfo {
	id: string;
	tenant_id: string;
	user_agent: string;
	client_ip: string;
	created_at: string;
	last_seen_at: string;
	expires_at: string;
	current: boolean;
}

/** AuditRecord is one entry of GET /api/v1/audit-log. */
export interface AuditRecord {
	id: number;
	actor: { type: 'user' | 'api_key' | 'system'; id: string | null; name: string };
	action: string;
	resource_type: string;
	resource_id: string;
	request_id: string;
	details: Record<string, unknown> | null;
	created_at: string;
}
