import { describe, expect, it } from 'vitest';
import {
	dayLevel,
	describeDay,
	describeTime,
	formatAgo,
	formatDuration,
	formatLatency,
	formatTime,
	formatUptime,
	isTimeZone,
	zoneOffset
} from './format';

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

	it('describes a day in words, as the UTC day it is', () => {
		expect(describeDay('2026-11-20', null, 0)).toBe('20 Nov 2026 (UTC): no data');
		expect(describeDay('2026-11-20', 0.995, 1)).toBe('20 Nov 2026 (UTC): 99.50 % uptime, 1 failed check');
	});
});

// Every case names its zone, so the machine's own TZ never matters.
describe('times on the viewer\'s clock', () => {
	const at = '2026-11-26T10:04:05Z';

	it.each([
		['UTC', '26 Nov 2026, 10:04 UTC'],
		['Europe/Berlin', '26 Nov 2026, 11:04 UTC+01:00'],
		['America/New_York', '26 Nov 2026, 05:04 UTC−05:00'],
		['Asia/Kolkata', '26 Nov 2026, 15:34 UTC+05:30'],
		['Pacific/Kiritimati', '27 Nov 2026, 00:04 UTC+14:00']
	])('in %s reads %s', (zone, text) => {
		expect(formatTime(at, zone)).toBe(text);
	});

	it('tells apart the two 02:30 of the night daylight saving time ends', () => {
		const summer = formatTime('2026-10-25T00:30:00Z', 'Europe/Berlin');
		const winter = formatTime('2026-10-25T01:30:00Z', 'Europe/Berlin');
		expect(summer).toBe('25 Oct 2026, 02:30 UTC+02:00');
		expect(winter).toBe('25 Oct 2026, 02:30 UTC+01:00');
	});

	it.each([
		['seconds', '26 Nov 2026, 11:04:05 UTC+01:00'],
		['clock', '11:04:05 UTC+01:00'],
		['date', '26 Nov 2026']
	] as const)('the %s style reads %s', (style, text) => {
		expect(formatTime(at, 'Europe/Berlin', style)).toBe(text);
	});

	it('reads a missing time as a dash', () => {
		expect(formatTime(null, 'Europe/Berlin')).toBe('—');
	});

	it('spells the instant out in full with the zone for a tooltip', () => {
		const full = describeTime(at, 'Asia/Kolkata');
		expect(full).toContain('Thursday');
		expect(full).toContain('26 November 2026');
		expect(full).toContain('15:34:05 UTC+05:30 (Asia/Kolkata)');
	});

	it('names offsets at the instant', () => {
		expect(zoneOffset('2026-07-01T12:00:00Z', 'Europe/London')).toBe('UTC+01:00');
		expect(zoneOffset('2026-01-01T12:00:00Z', 'Europe/London')).toBe('UTC');
	});

	it.each([
		['Europe/Berlin', true],
		['UTC', true],
		['Mars/Olympus_Mons', false],
		['', false],
		[null, false],
		['Europe/Berlin'.repeat(10), false]
	])('%s is a time zone: %s', (zone, known) => {
		expect(isTimeZone(zone)).toBe(known);
	});
});
