// The dashboard's size budget: under 150 KB (150,000 bytes) of gzipped
// JavaScript, computed from the production build that `make build` leaves.
import { expect, test } from 'vitest';
import { routeJS } from './bundle';

const BUDGET = 150_000;

test('the dashboard route ships under 150 KB of gzipped JavaScript', () => {
	const js = routeJS('/(app)/dashboard');
	// The entry and the dashboard's own node must be among them, or the sum means nothing.
	expect(js.files.some((f) => f.includes('/entry/start.'))).toBe(true);
	expect(js.files.length).toBeGreaterThan(3);
	expect(js.gzip, `${js.files.length} files, ${js.gzip} bytes gzipped`).toBeLessThan(BUDGET);
});

test('a route that does not exist is an error, not an empty sum', () => {
	expect(() => routeJS('/(app)/no-such-page')).toThrow(/no page/);
});
