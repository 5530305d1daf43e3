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
