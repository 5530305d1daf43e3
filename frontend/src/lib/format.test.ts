import { describe, expect, it } from 'vitest';
import { dayLevel, describeDay, formatAgo, formatDuration, formatLatency, formatUptime } from './format';

describe('formatUptime', () => {
	it.each([
		[null, '—'],
		[1, '100 %'],
		[0.5, '50.00 %'],
		[0.99996, '99.99 %'],
		[0, '0.00 %']
	])('%s reads %s', (ratio, text) => {
		expect(formatUptime(ratio)).toBe(text);
	});
});

describe('formatLatency', () => {
	it.each([
		[null, '—'],
		[12.4, '12 ms'],
		[999.4, '999 ms'],
		[1240, '1.24 s']
	])('%s reads %s', (ms, text) => {
		expect(formatLatency(ms)).toBe(text);
	});
});

describe('formatDuration and formatAgo', () => {
	it.each([
		[5, '5 s'],
		[720, '12 min'],
		[3 * 3600, '3 h'],
		[3 * 3600 + 300, '3 h 5 min'],
		[2 * 86400 + 4 * 3600, '2 d 4 h']
	])('%s s reads %s', (s, text) => {
		expect(formatDuration(s)).toBe(text);
	});

	it('reads times relative to now', () => {
		const now = Date.parse('2026-11-26T10:00:00Z');
		expect(formatAgo(null, now)).toBe('never');
		expect(formatAgo('2026-11-26T09:59:55Z', now)).toBe('just now');
		expect(formatAgo('2026-11-26T09:55:00Z', now)).toBe('5 min ago');
	});
});

describe('days of the uptime bar', () => {
	it.each([
		[null, 0, 'none'],
		[1, 0, 'ok'],
		[0.995, 3, 'partial'],
		[0.9, 40, 'bad']
	] as const)('uptime %s with %s failures is %s', (uptime, failed, level) => {
		expect(dayLevel(uptime, failed)).toBe(level);
	});

	it('describes a day in words', () => {
		expect(describeDay('2026-11-20', null, 0)).toBe('2026-11-20: no data');
		expect(describeDay('2026-11-20', 0.995, 1)).toBe('2026-11-20: 99.50 % uptime, 1 failed check');
	});
});
