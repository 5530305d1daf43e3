// What a new user does: `make run` (bin/devstack), open the site, reach the
// backend through the frontend's proxy, then Ctrl-C and find nothing left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.dirname(frontendDir);
const outputDir = path.join(frontendDir, 'e2e', 'output');
const BANNER = 'V-Insight is running.';

let stack: ChildProcess | undefined;
let output = '';
let tempDir: string | undefined;
let ports: { backend: number; worker: number; frontend: number };

beforeAll(async () => {
	for (const built of ['bin/devstack', 'bin/backend', 'bin/worker', 'frontend/build']) {
		if (!existsSync(path.join(repoRoot, built))) {
			throw new Error(`${built} is missing: run \`make build\` first (make test does)`);
		}
	}
	tempDir = await mkdtemp(path.join(os.tmpdir(), 'vinsight-e2e-'));
	// As root, PostgreSQL runs as the postgres user, which must be able to enter this 0700 dir.
	await chmod(tempDir, 0o755);
	const [backend, worker, frontend] = await freePorts(3);
	ports = { backend, worker, frontend };

	const env: NodeJS.ProcessEnv = {
		...process.env,
		VINSIGHT_DATA_DIR: path.join(tempDir, 'data'),
		BACKEND_PORT: String(backend),
		WORKER_PORT: String(worker),
		FRONTEND_PORT: String(frontend)
	};
	// A new user has no database of their own: the private cluster is part of the test.
	delete env.DATABASE_URL;
	delete env.VINSIGHT_PG_PORT;

	// detached: its own process group, so the last resort in afterAll can kill it whole.
	stack = spawn(
		path.join(repoRoot, 'bin/devstack'),
		['-backend', 'bin/backend', '-worker', 'bin/worker', '-frontend', 'frontend'],
		{ cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }
	);
	stack.stdout!.on('data', (chunk) => (output += chunk));
	stack.stderr!.on('data', (chunk) => (output += chunk));
	await waitForBanner(stack, 120_000);
});

afterAll(async () => {
	try {
		if (stack) {
			// What Ctrl-C in `make run` delivers.
			stack.kill('SIGINT');
			const stopped = await exited(stack, 60_000);
			if (!stopped) process.kill(-stack.pid!, 'SIGKILL');
			expect(stopped, `devstack still running 60 s after SIGINT; output:\n${output}`).toBe(true);
			expect(stack.exitCode, `devstack exit status; output:\n${output}`).toBe(0);

			const pgPort = Number(/PostgreSQL listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
			const all = { ...ports, ...(pgPort ? { postgres: pgPort } : {}) };
			for (const [name, port] of Object.entries(all)) {
				expect(await listening(port), `${name} still listens on ${port} after shutdown`).toBe(false);
			}
		}
	} finally {
		if (tempDir) await rm(tempDir, { recursive: true, force: true });
	}
}, 90_000);

describe('make run', () => {
	const site = () => `http://localhost:${ports.frontend}`;

	test('the home page reaches the API through the proxy, in a browser', async () => {
		const storage = (await getJSON(`${site()}/api/v1/version`)).body.data.storage;
		const context = await chromium.launchPersistentContext(path.join(tempDir!, 'chromium'), {
			executablePath: '/usr/bin/chromium',
			headless: true,
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-quic',
				'--no-first-run',
				'--disable-component-update',
				'--disable-sync'
			]
		});
		try {
			const page = await context.newPage();
			await page.goto(`${site()}/`);
			// The text appears only after the browser's own fetch of /api/v1/version succeeded.
			const proxied = page.getByText('API reachable through proxy');
			await proxied.waitFor({ timeout: 30_000 });
			expect(await proxied.locator('code').textContent()).toBe(storage);
			await mkdir(outputDir, { recursive: true });
			await page.screenshot({ path: path.join(outputDir, 'home.png'), fullPage: true });
		} finally {
			await context.close();
		}
	});

	test('GET /api/v1/version through the frontend returns the envelope', async () => {
		const { status, body } = await getJSON(`${site()}/api/v1/version`);
		expect(status).toBe(200);
		expect(body.error).toBeNull();
		expect(['postgres', 'timescale']).toContain(body.data.storage);
	});

	test('an unknown API path gets the backend 404 envelope unchanged', async () => {
		const proxied = await fetch(`${site()}/api/v1/does-not-exist`);
		const requestID = proxied.headers.get('x-request-id');
		expect(proxied.status).toBe(404);
		expect(requestID).toBeTruthy();
		const text = await proxied.text();
		const body = JSON.parse(text);
		expect(body.data).toBeNull();
		expect(body.error.code).toBe('NOT_FOUND');

		// Same request id straight to the backend: the bytes must match.
		const direct = await fetch(`http://127.0.0.1:${ports.backend}/api/v1/does-not-exist`, {
			headers: { 'X-Request-ID': requestID! }
		});
		expect(direct.status).toBe(404);
		expect(text).toBe(await direct.text());
	});

	test.each(['backend', 'worker'] as const)('the %s is ready with a schema version', async (name) => {
		const { status, body } = await getJSON(`http://127.0.0.1:${ports[name]}/ready`);
		expect(status).toBe(200);
		expect(body.data.schema_version).toBeGreaterThan(0);
	});
});

async function getJSON(url: string) {
	const res = await fetch(url);
	return { status: res.status, body: await res.json() };
}

// Ports from the kernel, held together until all are known so they differ.
async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(
		Array.from(
			{ length: count },
			() =>
				new Promise<net.Server>((resolve, reject) => {
					const server = net.createServer().once('error', reject);
					server.listen(0, '127.0.0.1', () => resolve(server));
				})
		)
	);
	const found = servers.map((s) => (s.address() as net.AddressInfo).port);
	await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
	return found;
}

function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

function waitForBanner(proc: ChildProcess, timeoutMs: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const done = (err?: Error) => {
			clearTimeout(timer);
			proc.stdout!.off('data', check);
			proc.off('exit', onExit);
			if (err) reject(err);
			else resolve();
		};
		const check = () => output.includes(BANNER) && done();
		const onExit = (code: number | null, signal: string | null) =>
			done(new Error(`devstack exited (${signal ?? code}) before "${BANNER}"; output:\n${output}`));
		const timer = setTimeout(
			() => done(new Error(`no "${BANNER}" within ${timeoutMs / 1000} s; output:\n${output}`)),
			timeoutMs
		);
		proc.stdout!.on('data', check);
		proc.once('exit', onExit);
	});
}

function exited(proc: ChildProcess, timeoutMs: number): Promise<boolean> {
	if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(false), timeoutMs);
		proc.once('exit', () => {
			clearTimeout(timer);
			resolve(true);
		});
	});
}
