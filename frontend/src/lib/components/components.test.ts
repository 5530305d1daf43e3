// Components rendered on the server, as the first paint of every page is.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import InZone from '$lib/testing/InZone.svelte';
import Sparkline from './Sparkline.svelte';
import StatusBadge from './StatusBadge.svelte';
import Time from './Time.svelte';
import UptimeBar from './UptimeBar.svelte';

describe('StatusBadge', () => {
	it.each([
		['up', 'Up'],
		['down', 'Down'],
		['degraded', 'Degraded'],
		['paused', 'Paused']
	] as const)('says %s in words, not colour alone', (status, word) => {
		const { body } = render(StatusBadge, { props: { status } });
		expect(body).toContain(word);
		expect(body).toContain(`badge ${status}`);
	});
});

describe('UptimeBar', () => {
	const days = ['2026-11-24', '2026-11-25', '2026-11-26'];

	it('draws one bar per day, classed by how the day went', () => {
		const { body } = render(UptimeBar, {
			props: { days, uptime: [null, 1, 0.5], failed: [0, 0, 12], label: 'Shop uptime' }
		});
		// One dashed path per level; each run of days is a line 5 units (bar and gap) a day long.
		expect(body.match(/<path/g)).toHaveLength(3);
		expect(body).toMatch(/class="none[^"]*" d="M0 13h5"/);
		expect(body).toMatch(/class="ok[^"]*" d="M5 10h5"/);
		expect(body).toMatch(/class="bad[^"]*" d="M10 10h5"/);
		expect(body).not.toContain('class="partial');
		// The overall figure averages the days that had checks.
		expect(body).toContain('Shop uptime: 75.00 % over 3 days');
	});

	it('draws days in a row at one level as one run', () => {
		const { body } = render(UptimeBar, {
			props: { days: [...days, '2026-11-27'], uptime: [1, 1, 0.5, 1], failed: [0, 0, 12, 0] }
		});
		expect(body).toMatch(/class="ok[^"]*" d="M0 10h10M15 10h5"/);
		expect(body).toMatch(/class="bad[^"]*" d="M10 10h5"/);
	});
});

describe('Sparkline', () => {
	it('breaks the line where hours had no checks and summarises the range', () => {
		const { body } = render(Sparkline, { props: { values: [10, 20, null, 30, 40], label: 'Latency' } });
		expect(body.match(/<path/g)).toHaveLength(2);
		expect(body).toContain('Latency: 10 ms to 40 ms');
	});

	it('says when there is no data', () => {
		const { body } = render(Sparkline, { props: { values: [null, null] } });
		expect(body).not.toContain('<path');
		expect(body).toContain('Latency: no data');
	});
});

describe('Time', () => {
	const iso = '2026-11-26T10:04:05Z';

	it("reads in the zone the layout provides, with the offset, and in full in the tooltip", () => {
		const { body } = render(InZone, { props: { zone: 'Asia/Kolkata', iso } });
		expect(body).toContain(`datetime="${iso}"`);
		expect(body).toContain('26 Nov 2026, 15:34 UTC+05:30');
		expect(body).toMatch(/title="[^"]*15:34:05 UTC\+05:30 \(Asia\/Kolkata\)"/);
	});

	it('reads in UTC, saying so, where no zone is provided', () => {
		expect(render(Time, { props: { iso } }).body).toContain('26 Nov 2026, 10:04 UTC');
	});

	it('reads a relative time with the instant in the tooltip, and never for none', () => {
		const { body } = render(InZone, { props: { zone: 'Europe/Berlin', iso, style: 'ago' } });
		expect(body).toMatch(/ago\s*<\/time>/);
		expect(body).toContain('11:04:05 UTC+01:00 (Europe/Berlin)');
		expect(render(InZone, { props: { zone: 'UTC', iso: null, style: 'ago' } }).body).toContain('never');
	});
});
