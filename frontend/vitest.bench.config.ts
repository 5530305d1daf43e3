import { defineConfig } from 'vitest/config';

// `make bench-ui`: the dashboard benchmark starts the whole stack and prints
// its figures straight to the terminal; never part of `make test`.
export default defineConfig({
	test: {
		include: ['e2e/**/*.bench.test.ts'],
		environment: 'node',
		fileParallelism: false,
		disableConsoleIntercept: true,
		testTimeout: 600_000,
		hookTimeout: 900_000
	}
});
