// A tenant with a fleet of monitors in a running stack, made through the API
// as a user's script would, with history seeded by the Go benchmark's
// generator so that every bar and sparkline of the dashboard has data.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type TestServer } from '../src/lib/testing/server';
import { PASSWORD, repoRoot, type Stack } from './stack';

const SERVICES = ['api', 'web', 'shop', 'auth', 'search', 'mail', 'cdn', 'db', 'queue', 'billing'];
const REGIONS = ['eu', 'us', 'ap'];

/** monitorName is the i-th monitor's name: only its number holds digits. */
export function monitorName(i: number): string {
	return `${SERVICES[i % SERVICES.length]}-${REGIONS[i % REGIONS.length]}-${String(i).padStart(4, '0')}`;
}

export interface Fleet {
	email: string;
	token: string;
	tenantID: string;
	target: TestServer;
}

/**
 * makeFleet signs up a tenant and creates count HTTP monitors against a
 * loopback target: one in 50 answers 503 (down), one in 50 answers slowly
 * (degraded), the rest 200.
 */
export async function makeFleet(stack: Stack, count: number): Promise<Fleet> {
	const target = await listen(answer);
	const api = `http://127.0.0.1:${stack.ports.backend}/api/v1`;
	const email = 'bench@example.com';
	const signup = await call(api, 'POST', '/auth/signup', '', {
		email,
		password: PASSWORD,
		name: 'Bench',
		tenant_name: 'Bench fleet'
	});
	const { token, tenant_id: tenantID } = signup as { token: string; tenant_id: string };
	const paths = ['down', 'slow'];
	const create = (i: number) =>
		call(api, 'POST', '/monitors', token, {
			name: monitorName(i),
			type: 'http',
			target: `${target.url}/${i % 50 < paths.length ? paths[i % 50] : 'ok'}/${i}`,
			interval_seconds: 60,
			timeout_seconds: 10,
			config: { degraded_latency_ms: 200 }
		});
	// A few requests at once; the API's rate limit is raised for the benchmark.
	for (let i = 1; i <= count; i += 20) {
		await Promise.all(Array.from({ length: Math.min(20, count - i + 1) }, (_, k) => create(i + k)));
	}
	return { email, token, tenantID, target };
}

function answer(req: IncomingMessage, res: ServerResponse) {
	if (req.url?.startsWith('/down/')) {
		res.statusCode = 503;
		res.end('unavailable');
	} else if (req.url?.startsWith('/slow/')) {
		setTimeout(() => res.end('ok'), 400);
	} else {
		res.end('ok');
	}
}

/** waitChecked waits until no monitor of the tenant is pending any more. */
export async function waitChecked(stack: Stack, token: string, timeoutMs: number): Promise<void> {
	const api = `http://127.0.0.1:${stack.ports.backend}/api/v1`;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const res = await fetch(`${api}/monitors?status=pending&per_page=1`, { headers: { authorization: `Bearer ${token}` } });
		const body = await res.json();
		if (res.ok && body.meta.total === 0) return;
		if (Date.now() > deadline) throw new Error(`${body.meta?.total} monitors still pending after ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 2000));
	}
}

/** seedHistory runs the Go benchmark's seeder (internal/bench/dashboard.go) on the stack's database. */
export function seedHistory(stack: Stack, tenantID: string, days: number): Promise<string> {
	const url = `postgres://postgres@127.0.0.1:${stack.pgPort}/vinsight?sslmode=disable`;
	const args = ['run', './internal/bench', '-seed-dashboard', tenantID, '-database-url', url, '-seed-days', String(days)];
	return new Promise((resolve, reject) => {
		const go = spawn(process.env.GO ?? 'go', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		go.stdout.on('data', (c) => (out += c));
		go.stderr.on('data', (c) => (out += c));
		go.once('error', reject);
		go.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`seeding failed (${code}):\n${out}`))));
	});
}

async function call(api: string, method: string, path: string, token: string, body: unknown): Promise<unknown> {
	const res = await fetch(`${api}${path}`, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body)
	});
	const envelope = await res.json();
	if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(envelope.error)}`);
	return envelope.data;
}
