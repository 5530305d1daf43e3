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

/** describeDay is the tooltip and screen-reader text of one day of the bar. */
export function describeDay(day: string, uptime: number | null, failed: number): string {
	if (uptime === null) return `${day}: no data`;
	const failures = failed === 1 ? '1 failed check' : `${failed} failed checks`;
	return `${day}: ${formatUptime(uptime)} uptime, ${failures}`;
}

/** formatTime reads an instant as a short local date and time; null is a dash. */
export function formatTime(iso: string | null | undefined): string {
	if (!iso) return '—';
	return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
