// Status pages: the tenant's editor form and the public page's summaries.
import type { MonitorStatus } from './types';

/** StatusPage is a tenant's status page as the API returns it. */
export interface StatusPage {
	id: string;
	slug: string;
	title: string;
	description: string;
	logo_url: string;
	monitor_ids: string[];
	published: boolean;
	created_at: string;
	updated_at: string;
}

export type OverallStatus = 'operational' | 'degraded' | 'partial_outage' | 'major_outage' | 'unknown';

/** PublicStatusPage is what anyone reads at /api/v1/public/status-pages/:slug. */
export interface PublicStatusPage {
	slug: string;
	title: string;
	description: string;
	logo_url: string;
	status: OverallStatus;
	days: string[];
	monitors: {
		name: string;
		status: MonitorStatus;
		uptime: number | null;
		daily_uptime: (number | null)[];
		daily_failed: number[];
	}[];
	incidents: {
		monitor: string;
		status: 'open' | 'resolved';
		cause: 'down' | 'degraded';
		started_at: string;
		resolved_at: string | null;
		duration_seconds: number;
	}[];
}

/** OVERALL says the page's status in words and with a symbol; tone picks the colour. */
export const OVERALL: Record<OverallStatus, { label: string; symbol: string; tone: string }> = {
	operational: { label: 'All systems operational', symbol: '▲', tone: 'up' },
	degraded: { label: 'Degraded performance', symbol: '◆', tone: 'degraded' },
	partial_outage: { label: 'Partial outage', symbol: '▼', tone: 'down' },
	major_outage: { label: 'Major outage', symbol: '▼', tone: 'down' },
	unknown: { label: 'No current status', symbol: '○', tone: 'pending' }
};

/** PUBLIC_CACHE_CONTROL lets browsers and CDNs keep a public page briefly, as the API does. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=60';

/** StatusPageValues are the editor's fields as the form holds them. */
export type StatusPageValues = Record<'slug' | 'title' | 'description' | 'logo_url' | 'monitor_ids' | 'published', string>;

export const NEW_STATUS_PAGE: StatusPageValues = {
	slug: '',
	title: '',
	description: '',
	logo_url: '',
	monitor_ids: '',
	published: ''
};

/** pageValues fills the editor from a saved page. */
export function pageValues(p: StatusPage): StatusPageValues {
	return {
		slug: p.slug,
		title: p.title,
		description: p.description,
		logo_url: p.logo_url,
		monitor_ids: p.monitor_ids.join(','),
		published: p.published ? 'on' : ''
	};
}

/** readStatusPageForm reads a submitted editor; the checked monitors keep their order on the form. */
export function readStatusPageForm(form: FormData): StatusPageValues {
	const text = (name: string) => {
		const v = form.get(name);
		return typeof v === 'string' ? v : '';
	};
	const ids = form.getAll('monitor_ids').filter((v): v is string => typeof v === 'string' && v !== '');
	return {
		slug: text('slug').trim(),
		title: text('title'),
		description: text('description'),
		logo_url: text('logo_url').trim(),
		monitor_ids: ids.join(','),
		published: text('published') === 'on' ? 'on' : ''
	};
}

/** statusPageRequest is the API body of the editor's values. */
export function statusPageRequest(v: StatusPageValues) {
	return {
		slug: v.slug.toLowerCase(),
		title: v.title,
		description: v.description,
		logo_url: v.logo_url,
		monitor_ids: v.monitor_ids ? v.monitor_ids.split(',') : [],
		published: v.published === 'on'
	};
}

/** suggestSlug makes a slug out of a title: "Acme Cloud!" is "acme-cloud". */
export function suggestSlug(title: string): string {
	return title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 63)
		.replace(/-+$/g, '');
}

/** chosenFirst lists the chosen monitors in the page's order, then the others as given. */
export function chosenFirst<T extends { id: string }>(monitors: T[], chosen: string[]): T[] {
	const byID = new Map(monitors.map((m) => [m.id, m]));
	const first = chosen.map((id) => byID.get(id)).filter((m): m is T => m !== undefined);
	const picked = new Set(chosen);
	return [...first, ...monitors.filter((m) => !picked.has(m.id))];
}

/** pageUptime is the average uptime of the shown monitors that had checks, or null. */
export function pageUptime(monitors: PublicStatusPage['monitors']): number | null {
	const known = monitors.map((m) => m.uptime).filter((u): u is number => u !== null);
	return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

/** Badge is a monitor's badge token as lists show it: never the secret. */
export interface Badge {
	id: string;
	monitor_id: string;
	prefix: string;
	created_at: string;
}

/** CreatedBadge is a new badge with its addresses, shown once. */
export interface CreatedBadge extends Badge {
	token: string;
	status_url: string;
	uptime_url: string;
}

/** badgeMarkdown is the README snippet of a new badge. */
export function badgeMarkdown(b: Pick<CreatedBadge, 'status_url' | 'uptime_url'>): string {
	return `![status](${b.status_url}) ![uptime](${b.uptime_url})`;
}
