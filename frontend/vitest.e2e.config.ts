import { defineConfig } from 'vitest/config';

// The browser tests start the whole stack once, so they run apart from the
// unit tests, one file at a time, with time for PostgreSQL to start.
export default defineConfig({
	test: {
		include: ['e2e/**/*.e2e.test.ts'],
		environment: 'node',
		fileParallelism: false,
		testTimeout: 60_000,
		hookTimeout: 180_000
	}
});
