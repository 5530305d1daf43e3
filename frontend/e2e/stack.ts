// The whole stack as `make run` starts it (bin/devstack: a private PostgreSQL,
// backend, worker, SvelteKit build) on free ports, and Debian's chromium:
// shared by the browser test and the dashboard benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.dirname(frontendDir);
const BANNER = 'V-Insight is running.';

export interface Ports {
	backend: number;
	worker: number;
	frontend: number;
}

export interface Stack {
	ports: Ports;
	/** site is the frontend's public origin. */
	site: string;
	/** pgPort is the private cluster's port (0 when it was not reported). */
	pgPort: number;
	/** output is what devstack printed so far. */
	output: () => string;
	/** stop sends what Ctrl-C delivers and says how it ended; it never throws. */
	stop: () => Promise<StopReport>;
}

export interface StopReport {
	/** stopped is false when devstack outlived 60 s after SIGINT (it was then killed). */
	stopped: boolean;
	exitCode: number | null;
	/** stillListening names the ports something still listens on afterwards. */
	stillListening: string[];
}

/** startStack runs bin/devstack with its own data directory and extra environment. */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
	for (const built of ['bin/devstack', 'bin/backend', 'bin/worker', 'frontend/build']) {
		if (!existsSync(path.join(repoRoot, built))) {
			throw new Error(`${built} is missing: run \`make build\` first (make test does)`);
		}
	}
	const tempDir = await mkdtemp(path.join(os.tmpdir(), 'vinsight-e2e-'));
	// As root, PostgreSQL runs as the postgres user, which must be able to enter this 0700 dir.
	await chmod(tempDir, 0o755);
	const [backend, worker, frontend] = await freePorts(3);
	const ports = { backend, worker, frontend };
	const env: NodeJS.ProcessEnv = {
		...process.env,
		...extraEnv,
		VINSIGHT_DATA_DIR: path.join(tempDir, 'data'),
		BACKEND_PORT: String(backend),
		WORKER_PORT: String(worker),
		FRONTEND_PORT: String(frontend)
	};
	// A new user has no database of their own: the private cluster is part of the stack.
	delete env.DATABASE_URL;
	delete env.VINSIGHT_PG_PORT;

	let output = '';
	// detached: its own process group, so stop() can kill it whole as a last resort.
	const proc = spawn(
		path.join(repoRoot, 'bin/devstack'),
		['-backend', 'bin/backend', '-worker', 'bin/worker', '-frontend', 'frontend'],
		{ cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }
	);
	proc.stdout!.on('data', (chunk) => (output += chunk));
	proc.stderr!.on('data', (chunk) => (output += chunk));

	const stop = async (): Promise<StopReport> => {
		try {
			proc.kill('SIGINT');
			const stopped = await exited(proc, 60_000);
			if (!stopped) process.kill(-proc.pid!, 'SIGKILL');
			const pg = pgPortOf(output);
			const all: Record<string, number> = { ...ports, ...(pg ? { postgres: pg } : {}) };
			const stillListening: string[] = [];
			for (const [name, port] of Object.entries(all)) {
				if (await listening(port)) stillListening.push(`${name} on ${port}`);
			}
			return { stopped, exitCode: proc.exitCode, stillListening };
		} finally {
			await rm(tempDir, { recursive: true, force: true });
		}
	};
	try {
		await waitForBanner(proc, () => output, 120_000);
	} catch (err) {
		await stop();
		throw err;
	}
	return { ports, site: `http://localhost:${frontend}`, pgPort: pgPortOf(output), output: () => output, stop };
}

function pgPortOf(output: string): number {
	return Number(/PostgreSQL listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1] ?? 0);
}

/** launchChromium starts Debian's chromium headless (a test tool's own browser download cannot work here). */
export function launchChromium(): Promise<Browser> {
	return chromium.launch({
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
}

export const PASSWORD = 'correct horse battery staple';

/** signUp creates a tenant and its owner through the sign-up form and lands on the dashboard. */
export async function signUp(page: Page, site: string, email: string, name: string, tenant: string) {
	await page.goto(`${site}/signup`);
	await page.getByLabel('Your name').fill(name);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByLabel('Organisation').fill(tenant);
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.waitForURL((u) => u.pathname === '/dashboard');
}

/** freePorts asks the kernel for ports, held together until all are known so they differ. */
export async function freePorts(count: number): Promise<number[]> {
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

/** listening says whether something accepts connections on the loopback port. */
export function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

function waitForBanner(proc: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const done = (err?: Error) => {
			clearTimeout(timer);
			proc.stdout!.off('data', check);
			proc.off('exit', onExit);
			if (err) reject(err);
			else resolve();
		};
		// Listeners run in order, so the output handler above has already appended the chunk.
		const check = () => output().includes(BANNER) && done();
		const onExit = (code: number | null, signal: string | null) =>
			done(new Error(`devstack exited (${signal ?? code}) before "${BANNER}"; output:\n${output()}`));
		const timer = setTimeout(
			() => done(new Error(`no "${BANNER}" within ${timeoutMs / 1000} s; output:\n${output()}`)),
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
