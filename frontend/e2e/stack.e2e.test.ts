// What a new user does: `make run` (bin/devstack), sign up in a browser, watch a
// site go up and down, then Ctrl-C and find nothing left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listen, type TestServer } from '../src/lib/testing/server';

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.dirname(frontendDir);
const outputDir = path.join(frontendDir, 'e2e', 'output');
const BANNER = 'V-Insight is running.';

let stack: ChildProcess | undefined;
let output = '';
let tempDir: string | undefined;
let ports: { backend: number; worker: number; frontend: number };
// The site the journey monitors; stopping it is how the monitor goes down.
let target: TestServer;

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

	target = await listen((_req, res) => res.end('ok'));
	const env: NodeJS.ProcessEnv = {
		...process.env,
		// Monitors every 5 s, so the journey sees up and down within seconds.
		VINSIGHT_MIN_INTERVAL_SECONDS: '5',
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
		await target?.close();
		if (tempDir) await rm(tempDir, { recursive: true, force: true });
	}
}, 90_000);

describe('make run', () => {
	const site = () => `http://localhost:${ports.frontend}`;

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

// The journey of a new user, in a real browser against the whole stack.
describe('in the browser', () => {
	const site = () => `http://localhost:${ports.frontend}`;
	let browser: Browser;
	let first: BrowserContext;
	let page: Page;
	let monitorID: string;

	beforeAll(async () => {
		browser = await chromium.launch({
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
		first = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		page = await first.newPage();
		await mkdir(outputDir, { recursive: true });
	});

	afterAll(async () => {
		await browser?.close();
	});

	const shot = (p: Page, name: string) => p.screenshot({ path: path.join(outputDir, `${name}.png`), fullPage: true });

	// Writes through the proxy with the page's cookie, as the page's own scripts would.
	const apiPost = (p: Page, url: string, data: unknown, origin = site()) =>
		p.request.post(`${site()}${url}`, { data, headers: { origin } });

	test('a visitor is sent to log in', async () => {
		await page.goto(`${site()}/`);
		expect(new URL(page.url()).pathname).toBe('/login');
		await shot(page, 'login');
	});

	test('signing up lands on the dashboard with an httpOnly, SameSite=Lax session cookie', async () => {
		await signUp(page, site(), 'ada@example.com', 'Ada', 'Acme');
		await page.getByText('No monitors yet').waitFor();
		const cookie = (await first.cookies()).find((c) => c.name === 'vinsight_session');
		expect(cookie?.httpOnly).toBe(true);
		expect(cookie?.sameSite).toBe('Lax');
		expect(cookie?.secure).toBe(false); // http://localhost; https origins get Secure
	});

	test('a cookie-authenticated write from another site is refused', async () => {
		const refused = await apiPost(page, '/api/v1/monitors', { name: 'x' }, 'http://evil.example');
		expect(refused.status()).toBe(403);
	});

	test('a new monitor turns up on the dashboard without a reload', async () => {
		const created = await apiPost(page, '/api/v1/monitors', {
			name: 'Local site',
			type: 'http',
			target: `${target.url}/`,
			interval_seconds: 5,
			timeout_seconds: 2
		});
		expect(created.status(), await created.text()).toBe(201);
		monitorID = (await created.json()).data.id;

		const row = page.getByRole('row', { name: /Local site/ });
		await row.waitFor({ timeout: 30_000 });
		await row.getByText(/^▲ Up$/).waitFor({ timeout: 40_000 });
		await shot(page, 'dashboard');
	});

	test('a stopped target turns the monitor down and opens an incident', async () => {
		await target.close();
		const row = page.getByRole('row', { name: /Local site/ });
		await row.getByText(/^▼ Down$/).waitFor({ timeout: 45_000 });
		const incidents = await (await page.request.get(`${site()}/api/v1/incidents?state=open`)).json();
		expect(incidents.data.map((i: { monitor_id: string }) => i.monitor_id)).toContain(monitorID);
		await shot(page, 'dashboard-down');
	});

	test('search filters the dashboard', async () => {
		await page.getByLabel('Search').fill('nothing like it');
		await page.getByText('No monitor matches these filters').waitFor();
		await page.getByLabel('Search').fill('local');
		await page.getByRole('row', { name: /Local site/ }).waitFor();
		expect(new URL(page.url()).searchParams.get('q')).toBe('local');
	});

	test('an ended session sends the user to log in and back', async () => {
		// Revoke the session behind the browser's back; its cookie stays.
		expect((await apiPost(page, '/api/v1/auth/logout', {})).status()).toBe(200);
		await page.goto(`${site()}/dashboard?q=local`);
		const url = new URL(page.url());
		expect(url.pathname).toBe('/login');
		expect(url.searchParams.get('next')).toBe('/dashboard?q=local');

		await page.getByLabel('Email').fill('ada@example.com');
		await page.getByLabel('Password').fill(PASSWORD);
		await page.getByRole('button', { name: 'Log in' }).click();
		await page.waitForURL((u) => u.pathname === '/dashboard');
		expect(new URL(page.url()).search).toBe('?q=local');
	});

	test('the dashboard is usable at 375 px, in the dark theme too', async () => {
		await page.setViewportSize({ width: 375, height: 812 });
		await page.goto(`${site()}/dashboard`);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		expect(width).toBeLessThanOrEqual(375);
		await shot(page, 'dashboard-375');
		await page.getByRole('button', { name: /Change theme/ }).click(); // system -> light
		await page.getByRole('button', { name: /Change theme/ }).click(); // light -> dark
		await page.reload();
		expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
		await shot(page, 'dashboard-375-dark');
		await page.setViewportSize({ width: 1280, height: 900 });
	});

	test('a second tenant sees none of it', async () => {
		const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		try {
			const p = await other.newPage();
			await signUp(p, site(), 'bob@example.com', 'Bob', 'Bobco');
			await p.getByText('No monitors yet').waitFor();
			expect(await p.getByText('Local site').count()).toBe(0);
			const foreign = await p.request.get(`${site()}/api/v1/monitors/${monitorID}`);
			expect(foreign.status()).toBe(404);
			const incidents = await (await p.request.get(`${site()}/api/v1/incidents`)).json();
			expect(incidents.data).toEqual([]);
		} finally {
			await other.close();
		}
	});

	test('logging out forgets the session', async () => {
		await page.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL((u) => u.pathname === '/login');
		expect((await first.cookies()).some((c) => c.name === 'vinsight_session')).toBe(false);
		await page.goto(`${site()}/dashboard`);
		expect(new URL(page.url()).pathname).toBe('/login');
	});
});

const PASSWORD = 'correct horse battery staple';

async function signUp(page: Page, site: string, email: string, name: string, tenant: string) {
	await page.goto(`${site}/signup`);
	await page.getByLabel('Your name').fill(name);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByLabel('Organisation').fill(tenant);
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.waitForURL((u) => u.pathname === '/dashboard');
}

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
