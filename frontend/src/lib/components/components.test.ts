// Components rendered on the server, as the first paint of every page is.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Sparkline from './Sparkline.svelte';
import StatusBadge from './StatusBadge.svelte';
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
		expect(body.match(/<rect/g)).toHaveLength(3);
		expect(body).toMatch(/class="none/);
		expect(body).toMatch(/class="ok/);
		expect(body).toMatch(/class="bad/);
		// The overall figure averages the days that had checks.
		expect(body).toContain('Shop uptime: 75.00 % over 3 days');
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
