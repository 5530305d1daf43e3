// The latency chart's range: a preset ending now, or a zoomed from–to in the URL.
import type { SeriesPoint } from './types';

/** RANGES are the chart's presets and how far back each reaches, in seconds. */
export const RANGES = { '1h': 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400, '90d': 90 * 86400 } as const;
export type RangeName = keyof typeof RANGES;

/** ChartRange is what the chart shows: a preset, or a zoom when zoomed is true. */
export interface ChartRange {
	range: RangeName;
	from: Date;
	to: Date;
	zoomed: boolean;
}

// Narrower than a minute would be a handful of raw results, and the API steps in minutes.
const MIN_ZOOM_SECONDS = 5 * 60;

/** chartRange reads ?range=, or ?from=&to= (Unix seconds) for a zoom, defaulting to 24h. */
export function chartRange(params: URLSearchParams, now: Date): ChartRange {
	const name = params.get('range') ?? '';
	const range: RangeName = name in RANGES ? (name as RangeName) : '24h';
	const from = Number(params.get('from'));
	const to = Number(params.get('to'));
	if (Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from) {
		const end = Math.min(to, Math.floor(now.getTime() / 1000));
		const start = Math.min(from, end - MIN_ZOOM_SECONDS);
		return { range, from: new Date(start * 1000), to: new Date(end * 1000), zoomed: true };
	}
	return { range, from: new Date(now.getTime() - RANGES[range] * 1000), to: now, zoomed: false };
}

/** zoomQuery is the query of a zoom to [from, to) seconds, keeping the preset to go back to. */
export function zoomQuery(current: URLSearchParams, from: number, to: number): string {
	const query = new URLSearchParams(current);
	query.set('from', String(Math.floor(from)));
	query.set('to', String(Math.ceil(to)));
	query.delete('cursor');
	return query.toString();
}

/** latencyColumns lays the points out as uPlot wants: times in seconds, then p50, p95, p99. */
export function latencyColumns(points: SeriesPoint[]): [number[], (number | null)[], (number | null)[], (number | null)[]] {
	return [
		points.map((p) => Date.parse(p.time) / 1000),
		points.map((p) => p.latency_p50_ms),
		points.map((p) => p.latency_p95_ms),
		points.map((p) => p.latency_p99_ms)
	];
}

/** describeLatency is the chart's text for screen readers: the p95 range over the points. */
export function describeLatency(points: SeriesPoint[]): string {
	const p95 = points.map((p) => p.latency_p95_ms).filter((v): v is number => v !== null);
	if (!p95.length) return 'Latency: no checks in this range';
	const round = (v: number) => `${Math.round(v)} ms`;
	return `Latency p95 from ${round(Math.min(...p95))} to ${round(Math.max(...p95))} over ${points.length} points`;
}
