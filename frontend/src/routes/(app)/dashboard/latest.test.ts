import { describe, expect, it } from 'vitest';
import { latestOnly } from './latest';

// A task that finishes when the test says so, recording what it was given.
function gate() {
	const ran: string[] = [];
	const open: (() => void)[] = [];
	const task = (value: string) => {
		ran.push(value);
		return new Promise<void>((resolve) => open.push(resolve));
	};
	const finish = async () => {
		open.shift()?.();
		await new Promise((r) => setTimeout(r));
	};
	return { ran, task, finish };
}

describe('latestOnly', () => {
	it('runs the first call at once and only the newest of those made meanwhile', async () => {
		const { ran, task, finish } = gate();
		const search = latestOnly(task);
		void search('s');
		void search('sh');
		void search('sho');
		expect(ran).toEqual(['s']);
		await finish();
		expect(ran).toEqual(['s', 'sho']);
		await finish();
		expect(ran).toEqual(['s', 'sho']);
	});

	it('goes on after a task that failed', async () => {
		let calls = 0;
		const search = latestOnly(async () => {
			calls++;
			if (calls === 1) throw new Error('navigation failed');
		});
		await expect(search('a')).rejects.toThrow('navigation failed');
		await search('b');
		expect(calls).toBe(2);
	});
});
