import { describe, expect, it } from 'vitest';
import { chartRange, describeLatency, latencyColumns, zoomQuery } from './series';
import type { SeriesPoint } from './types';

const now = new Date('2026-11-26T12:00:00Z');
const secs = (d: Date) => d.getTime() / 1000;

describe('chartRange', () => {
	it('defaults to the last 24 hours', () => {
		const r = chartRange(new URLSearchParams(), now);
		expect(r).toMatchObject({ range: '24h', zoomed: false, to: now });
		expect(secs(r.to) - secs(r.from)).toBe(86400);
	});

	it('takes a preset, and ignores an unknown one', () => {
		expect(secs(now) - secs(chartRange(new URLSearchParams('range=90d'), now).from)).toBe(90 * 86400);
		expect(chartRange(new URLSearchParams('range=2y'), now).range).toBe('24h');
	});

	it('zooms to from–to, never past now and never narrower than five minutes', () => {
		const end = secs(now);
		const r = chartRange(new URLSearchParams(`range=7d&from=${end - 60}&to=${end + 3600}`), now);
		expect(r).toMatchObject({ range: '7d', zoomed: true });
		expect(secs(r.to)).toBe(end);
		expect(secs(r.from)).toBe(end - 300);
	});

	it('ignores a zoom that runs backwards', () => {
		expect(chartRange(new URLSearchParams('from=200&to=100'), now).zoomed).toBe(false);
	});
});

describe('zoomQuery', () => {
	it('keeps the preset and the result filter, and starts the results again', () => {
		const q = new URLSearchParams(zoomQuery(new URLSearchParams('range=7d&results=failed&cursor=abc'), 10.7, 20.2));
		expect(Object.fromEntries(q)).toEqual({ range: '7d', results: 'failed', from: '10', to: '21' });
	});
});

const point = (time: string, p50: number | null, p95: number | null, p99: number | null): SeriesPoint => ({
	time,
	checks: p50 === null ? 0 : 1,
	failed_checks: 0,
	uptime: p50 === null ? null : 1,
	latency_p50_ms: p50,
	latency_p95_ms: p95,
	latency_p99_ms: p99
});

describe('latencyColumns', () => {
	it('lays points out in columns, keeping gaps as null', () => {
		const points = [point('2026-11-26T11:00:00Z', 10, 20, 30), point('2026-11-26T11:05:00Z', null, null, null)];
		expect(latencyColumns(points)).toEqual([
			[secs(new Date('2026-11-26T11:00:00Z')), secs(new Date('2026-11-26T11:05:00Z'))],
			[10, null],
			[20, null],
			[30, null]
		]);
	});
});

describe('describeLatency', () => {
	it('summarises p95, or says there were no checks', () => {
		expect(describeLatency([point('2026-11-26T11:00:00Z', 1, 12.4, 3), point('2026-11-26T11:01:00Z', 1, 80, 3)])).toBe(
			'Latency p95 from 12 ms to 80 ms over 2 points'
		);
		expect(describeLatency([point('2026-11-26T11:00:00Z', null, null, null)])).toBe('Latency: no checks in this range');
	});
});
