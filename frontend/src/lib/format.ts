// How numbers and times read in the UI; the same everywhere.
import type { MonitorStatus } from './types';

/** formatUptime reads a 0..1 ratio as a percentage; null (no checks) is a dash. */
export function formatUptime(ratio: number | null | undefined): string {
	if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
	if (ratio >= 1) return '100 %';
	// Never round 99.996 % up to 100 %: anything below full uptime must look below it.
	const percent = Math.floor(ratio * 10000) / 100;
	return `${percent.toFixed(2)} %`;
}

/** formatLatency reads milliseconds: "85 ms", "1.24 s". */
export function formatLatency(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	return `${(ms / 1000).toFixed(2)} s`;
}

/** formatDuration reads seconds: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
	const s = Math.max(0, Math.round(seconds));
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m} min`;
	const h = Math.floor(m / 60);
	if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
	const d = Math.floor(h / 24);
	return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** formatAgo reads a time relative to now: "just now", "5 min ago". */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
	if (!iso) return 'never';
	const seconds = (now - Date.parse(iso)) / 1000;
	if (seconds < 10) return 'just now';
	return `${formatDuration(seconds)} ago`;
}

/** STATUS names each status in words and with a symbol, so colour is never the only sign. */
export const STATUS: Record<MonitorStatus, { label: string; symbol: string }> = {
	up: { label: 'Up', symbol: '▲' },
	degraded: { label: 'Degraded', symbol: '◆' },
	down: { label: 'Down', symbol: '▼' },
	pending: { label: 'Pending', symbol: '○' },
	paused: { label: 'Paused', symbol: '❚❚' }
};

/** DayLevel classifies one day of the uptime bar. */
export type DayLevel = 'none' | 'ok' | 'partial' | 'bad';

/** dayLevel: no checks; no failures; failures but at least 99 %; below 99 %. */
export function dayLevel(uptime: number | null, failed: number): DayLevel {
	if (uptime === null) return 'none';
	if (failed === 0 && uptime >= 1) return 'ok';
	return uptime >= 0.99 ? 'partial' : 'bad';
}

/** describeDay is the tooltip and screen-reader text of one day of the bar; days are UTC days. */
export function describeDay(day: string, uptime: number | null, failed: number): string {
	const date = `${formatUTCDay(day)} (UTC)`;
	if (uptime === null) return `${date}: no data`;
	const failures = failed === 1 ? '1 failed check' : `${failed} failed checks`;
	return `${date}: ${formatUptime(uptime)} uptime, ${failures}`;
}

// Times: every instant is shown on the viewer's clock, in English with the
// day before the month ("26 Nov 2026, 11:04"), and with the UTC offset of
// that instant, so two times either side of a daylight-saving change, or a
// page read from another zone, are never ambiguous. The locale is fixed so
// the server's rendering and the browser's agree.
const LOCALE = 'en-GB';
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = `${zone}|${JSON.stringify(options)}`;
	let f = formatters.get(key);
	if (!f) {
		f = new Intl.DateTimeFormat(LOCALE, { ...options, timeZone: zone });
		formatters.set(key, f);
	}
	return f;
}

/** isTimeZone says whether zone is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string | null | undefined): zone is string {
	if (!zone || zone.length > 64) return false;
	try {
		new Intl.DateTimeFormat(LOCALE, { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

/**
 * TIME_ZONE_COOKIE carries the browser's zone to the server, so a page is
 * rendered on the viewer's clock from the second visit on (UTC before).
 */
export const TIME_ZONE_COOKIE = 'tz';

/** browserTimeZone is the zone the runtime's clock is set to (the viewer's, in a browser). */
export function browserTimeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** zoneOffset names the offset of zone at that instant: "UTC", "UTC+01:00", "UTC−05:00", "UTC+05:30". */
export function zoneOffset(iso: string, zone: string): string {
	const name = formatter(zone, { timeZoneName: 'longOffset' })
		.formatToParts(new Date(iso))
		.find((p) => p.type === 'timeZoneName')?.value;
	// longOffset reads "GMT+01:00", and "GMT" or "GMT+00:00" for zero, depending on the ICU data.
	if (!name || /^GMT([+-]00:00)?$/.test(name)) return 'UTC';
	return name.replace('GMT', 'UTC').replace('-', '−');
}

/** TimeStyle picks what of an instant is shown. */
export type TimeStyle = 'datetime' | 'seconds' | 'date' | 'clock';

const STYLES: Record<TimeStyle, Intl.DateTimeFormatOptions> = {
	datetime: { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
	seconds: { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
	date: { day: 'numeric', month: 'short', year: 'numeric' },
	clock: { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
};

/**
 * formatTime reads an instant on the clock of zone: "26 Nov 2026, 11:04 UTC+01:00";
 * a date alone has no offset ("26 Nov 2026"); null is a dash.
 */
export function formatTime(iso: string | null | undefined, zone: string, style: TimeStyle = 'datetime'): string {
	if (!iso) return '—';
	const text = formatter(zone, STYLES[style]).format(new Date(iso));
	return style === 'date' ? text : `${text} ${zoneOffset(iso, zone)}`;
}

/** describeTime is the full reading of an instant, for a tooltip: "Thursday, 26 November 2026 at 11:04:05 UTC+01:00 (Europe/Berlin)". */
export function describeTime(iso: string, zone: string): string {
	const text = formatter(zone, {
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).format(new Date(iso));
	return `${text} ${zoneOffset(iso, zone)} (${zone})`;
}

/** formatUTCDay reads a UTC calendar day, as the API names it (2026-11-26), as "26 Nov 2026". */
export function formatUTCDay(day: string): string {
	return formatter('UTC', STYLES.date).format(new Date(`${day}T00:00:00Z`));
}
