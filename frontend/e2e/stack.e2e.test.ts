// What a new user does: `make run` (bin/devstack), sign up in a browser, watch a
// site go up and down, then Ctrl-C and find nothing left behind.
import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatTime } from '../src/lib/format';
import { listen, readBody, type TestServer } from '../src/lib/testing/server';
import { frontendDir, launchChromium, PASSWORD, signUp, startStack, type Ports, type Stack } from './stack';

const outputDir = path.join(frontendDir, 'e2e', 'output');
const VIEWER_ZONE = 'Asia/Kolkata';

let stack: Stack | undefined;
let ports: Ports;
// The site the journey monitors; stopping it is how the monitor goes down.
let target: TestServer;

beforeAll(async () => {
	target = await listen((_req, res) => res.end('ok'));
	// Monitors every 5 s, so the journey sees up and down within seconds.
	stack = await startStack({ VINSIGHT_MIN_INTERVAL_SECONDS: '5' });
	ports = stack.ports;
});

afterAll(async () => {
	try {
		if (stack) {
			const { stopped, exitCode, stillListening } = await stack.stop();
			expect(stopped, `devstack still running 60 s after SIGINT; output:\n${stack.output()}`).toBe(true);
			expect(exitCode, `devstack exit status; output:\n${stack.output()}`).toBe(0);
			expect(stillListening, 'still listening after shutdown').toEqual([]);
		}
	} finally {
		await target?.close();
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
		browser = await launchChromium();
		// A zone that is not the machine's, without daylight saving: every time must read on this clock.
		first = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: VIEWER_ZONE });
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

	test("a monitor is created through the form, with the API's field errors beside the fields", async () => {
		await page.goto(`${site()}/dashboard`);
		await page.getByRole('link', { name: 'New monitor' }).click();
		await page.waitForURL((u) => u.pathname === '/monitors/new');
		await page.getByLabel('Name', { exact: true }).fill('Local site');
		await page.getByLabel('URL', { exact: true }).fill(`${target.url}/`);
		await page.getByLabel('Interval (seconds)').fill('5');
		await page.getByLabel('Timeout (seconds)').fill('2');
		await page.getByLabel('Expected status').fill('200-299, 20x');
		await page.getByRole('button', { name: 'Create monitor' }).click();

		// Refused by the API: its reason for config.expected_status[1] sits under that field.
		const reason = page.locator('[id="field-config.expected_status-error"]');
		await reason.waitFor();
		expect(await reason.textContent()).toMatch(/^entry 2: /);
		expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Local site');
		await shot(page, 'monitor-new-errors');

		await page.getByLabel('Expected status').fill('200-299');
		await page.getByRole('button', { name: 'Create monitor' }).click();
		await page.waitForURL((u) => /^\/monitors\/[0-9a-f-]{36}$/.test(u.pathname));
		monitorID = new URL(page.url()).pathname.split('/')[2];
		await page.getByText('Monitor created').waitFor();
		const saved = (await (await page.request.get(`${site()}/api/v1/monitors/${monitorID}`)).json()).data;
		expect(saved).toMatchObject({ name: 'Local site', type: 'http', interval_seconds: 5, timeout_seconds: 2 });
		expect(saved.config.expected_status).toEqual(['200-299']);
	});

	test('the monitor goes up on the dashboard without a reload', async () => {
		await page.goto(`${site()}/dashboard`);
		const row = page.getByRole('row', { name: /Local site/ });
		await row.waitFor({ timeout: 30_000 });
		await row.getByText(/^▲ Up$/).waitFor({ timeout: 40_000 });
		await shot(page, 'dashboard');
		// The bars are UTC days, and the tooltip says so whatever the viewer's zone.
		const bar = row.getByRole('slider');
		await bar.focus();
		await bar.press('End');
		expect(await bar.getAttribute('aria-valuetext')).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4} \(UTC\): /);
	});

	test('the detail page shows uptime and draws the latency chart, which zooms', async () => {
		await page.goto(`${site()}/dashboard`);
		await page.getByRole('link', { name: 'Local site' }).click();
		await page.waitForURL((u) => u.pathname === `/monitors/${monitorID}`);
		await page.getByRole('link', { name: '1h' }).click();
		await page.waitForURL((u) => u.searchParams.get('range') === '1h');
		await page.getByRole('heading', { name: /Local site/ }).getByText('Up').waitFor();
		expect(await page.getByRole('region', { name: 'Uptime' }).textContent()).toContain('24h');

		// Coloured pixels are the p50/p95/p99 lines; the axes and grid are grey.
		// Checks land every 5 s, so wait (reloading) until the chart has some to draw.
		let lines = 0;
		for (let i = 0; i < 15 && lines === 0; i++) {
			if (i) {
				await page.waitForTimeout(2000);
				await page.reload();
			}
			await page.locator('.chart canvas').waitFor();
			lines = await colouredPixels(page);
		}
		expect(lines).toBeGreaterThan(0);
		await page.getByRole('row').filter({ hasText: 'Up' }).first().waitFor();
		await shot(page, 'monitor-detail');

		// Drag across the chart to zoom in; the page loads the narrower range.
		const over = await page.locator('.chart .u-over').boundingBox();
		expect(over).not.toBeNull();
		const y = over!.y + over!.height / 2;
		await page.mouse.move(over!.x + over!.width * 0.5, y);
		await page.mouse.down();
		await page.mouse.move(over!.x + over!.width * 0.99, y, { steps: 5 });
		await page.mouse.up();
		await page.waitForURL((u) => u.searchParams.has('from') && u.searchParams.has('to'));
		await page.getByRole('link', { name: 'Reset zoom' }).waitFor();
		await page.locator('.chart canvas').waitFor();
	});

	test('a stopped target turns the monitor down and opens an incident', async () => {
		await page.goto(`${site()}/dashboard`);
		await target.close();
		const row = page.getByRole('row', { name: /Local site/ });
		await row.getByText(/^▼ Down$/).waitFor({ timeout: 45_000 });
		const incidents = await (await page.request.get(`${site()}/api/v1/incidents?state=open`)).json();
		expect(incidents.data.map((i: { monitor_id: string }) => i.monitor_id)).toContain(monitorID);
		await shot(page, 'dashboard-down');

		// The detail page lists the incident and the failed results with their errors.
		await page.goto(`${site()}/monitors/${monitorID}?range=1h&results=failed`);
		await page.locator('li.open').first().waitFor();
		const failed = page.getByRole('table', { name: /Check results/ }).getByRole('row').filter({ hasText: 'Down' });
		expect(await failed.count()).toBeGreaterThan(0);
		await shot(page, 'monitor-detail-down');
	});

	test('the open incident is acknowledged and commented on its page', async () => {
		await page.goto(`${site()}/incidents`);
		await page.getByLabel('State').selectOption('open');
		await page.waitForURL((u) => u.searchParams.get('state') === 'open');
		await page.getByRole('link', { name: /Local site/ }).first().click();
		await page.waitForURL((u) => /^\/incidents\/[0-9a-f-]{36}$/.test(u.pathname));
		await page.getByRole('heading', { name: 'Timeline' }).waitFor();
		expect(await page.getByRole('listitem').filter({ hasText: 'Opened' }).count()).toBeGreaterThan(0);

		// Times read on the viewer's clock with its offset, already in the server's rendering
		// (the browser reported its zone in the tz cookie on the first page).
		const started = page.locator('.page-head time').first();
		const iso = (await started.getAttribute('datetime'))!;
		expect((await started.textContent())?.trim()).toBe(formatTime(iso, VIEWER_ZONE));
		// Chromium reports the zone by its older name, Asia/Calcutta: the page uses what the browser says.
		const reported = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
		expect(await started.getAttribute('title')).toContain(`UTC+05:30 (${reported})`);
		expect((await first.cookies()).find((c) => c.name === 'tz')?.value).toBe(encodeURIComponent(reported));
		const html = await (await page.request.get(page.url())).text();
		expect(html).toContain(`${formatTime(iso, VIEWER_ZONE)}</time>`);

		await page.getByRole('button', { name: 'Acknowledge' }).click();
		await page.getByText('Open, acknowledged').first().waitFor();
		await page.getByRole('listitem').filter({ hasText: /Acknowledged[\s\S]*ada@example\.com/ }).waitFor();
		await page.getByLabel('Comment', { exact: true }).fill('Target stopped on purpose by the test.');
		await page.getByRole('button', { name: 'Add comment' }).click();
		await page.getByRole('listitem').filter({ hasText: 'Target stopped on purpose by the test.' }).waitFor();
		expect(await page.getByLabel('Comment', { exact: true }).inputValue()).toBe('');
		await shot(page, 'incident-detail');
		await page.goto(`${site()}/incidents`);
		await shot(page, 'incidents');
	});

	test('the edit form saves, and the monitor pauses and resumes', async () => {
		await page.goto(`${site()}/monitors/${monitorID}`);
		await page.getByRole('link', { name: 'Edit' }).click();
		await page.waitForURL((u) => u.pathname === `/monitors/${monitorID}/edit`);
		expect(await page.getByLabel('Expected status').inputValue()).toBe('200-299');
		await page.getByLabel('Tags').fill('e2e, Local');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await page.waitForURL((u) => u.pathname === `/monitors/${monitorID}`);
		const saved = (await (await page.request.get(`${site()}/api/v1/monitors/${monitorID}`)).json()).data;
		expect(saved.tags).toEqual(['e2e', 'local']);
		expect(saved.timeout_seconds).toBe(2);

		await page.getByRole('button', { name: 'Pause' }).click();
		await page.getByRole('heading', { name: /Local site/ }).getByText('Paused').waitFor();
		await page.getByRole('button', { name: 'Resume' }).click();
		await page.getByRole('button', { name: 'Pause' }).waitFor();
	});

	test('search filters the dashboard', async () => {
		await page.goto(`${site()}/dashboard`);
		await page.getByLabel('Search').fill('nothing like it');
		await page.getByText('No monitor matches these filters').waitFor();
		await page.getByLabel('Search').fill('local');
		await page.getByRole('row', { name: /Local site/ }).waitFor();
		expect(new URL(page.url()).searchParams.get('q')).toBe('local');
	});

	test('a webhook channel sends a test to a receiver, and its masked secret is kept on save', async () => {
		const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
		const receiver = await listen(async (req, res) => {
			received.push({ headers: req.headers, body: await readBody(req) });
			res.end('ok');
		});
		try {
			await page.goto(`${site()}/channels`);
			await page.getByRole('link', { name: 'New channel' }).click();
			await page.waitForURL((u) => u.pathname === '/channels/new');
			await page.getByLabel('Name', { exact: true }).fill('Receiver');
			await page.getByLabel('URL', { exact: true }).fill(`${receiver.url}/hook`);
			await page.getByLabel('Signing secret').fill('s3cret');
			await page.getByLabel('Headers').fill('X-Team: ops');
			await page.getByRole('button', { name: 'Create channel' }).click();
			await page.waitForURL((u) => u.pathname === '/channels');
			await page.getByText('Channel saved.').waitFor();

			const sendTest = async () => {
				const before = received.length;
				await page.getByRole('button', { name: 'Send a test to Receiver' }).click();
				await page.getByText(/Test delivered/).waitFor({ timeout: 20_000 });
				expect(received.length).toBeGreaterThan(before);
				// The channel may also carry incident notifications; the test is the latest of type test.
				const hit = received.filter((r) => r.headers['x-vinsight-event'] === 'test').at(-1)!;
				expect(hit).toBeDefined();
				expect(hit.headers['x-vinsight-event']).toBe('test');
				expect(hit.headers['x-team']).toBe('ops');
				const mac = createHmac('sha256', 's3cret').update(`${hit.headers['x-vinsight-timestamp']}.${hit.body}`).digest('hex');
				expect(hit.headers['x-vinsight-signature']).toBe(`sha256=${mac}`);
			};
			await sendTest();
			await shot(page, 'channels');

			// The edit form gets the secret and header values masked; saving them unchanged keeps them.
			await page.getByRole('link', { name: 'Edit Receiver' }).click();
			await page.waitForURL((u) => /^\/channels\/[0-9a-f-]{36}\/edit$/.test(u.pathname));
			expect(await page.getByLabel('Signing secret').inputValue()).toBe('********');
			expect(await page.getByLabel('Headers').inputValue()).toBe('X-Team: ********');
			await page.getByLabel('Default: every monitor alerts this channel').check();
			await shot(page, 'channel-edit');
			await page.getByRole('button', { name: 'Save changes' }).click();
			await page.waitForURL((u) => u.pathname === '/channels');
			await page.getByText('default', { exact: true }).waitFor();
			await sendTest();
		} finally {
			await receiver.close();
		}
	});

	test('a maintenance window is planned, listed and deleted', async () => {
		await page.goto(`${site()}/maintenance/new`);
		await page.getByLabel('Name', { exact: true }).fill('Sunday deploys');
		await page.getByLabel('Time zone').fill('Europe/Berlin');
		await page.getByLabel('Starts').fill('2026-12-06T02:00');
		await page.getByLabel('Ends').fill('2026-12-06T01:00');
		await page.getByLabel('By a rule').check();
		await page.getByLabel('RRULE').fill('FREQ=WEEKLY;BYDAY=SU');
		await page.getByRole('button', { name: 'Create window' }).click();
		// Refused by the API: its reason sits under the end.
		await page.locator('[id="field-ends_at-error"]').waitFor();
		expect(await page.getByLabel('RRULE').inputValue()).toBe('FREQ=WEEKLY;BYDAY=SU');

		await page.getByLabel('Ends').fill('2026-12-06T04:00');
		await page.getByRole('button', { name: 'Create window' }).click();
		await page.waitForURL((u) => u.pathname === '/maintenance');
		await page.getByText('2026-12-06 02:00 to 2026-12-06 04:00 Europe/Berlin, repeating FREQ=WEEKLY;BYDAY=SU').waitFor();
		await shot(page, 'maintenance');

		page.once('dialog', (d) => d.accept());
		await page.getByRole('button', { name: 'Delete Sunday deploys' }).click();
		await page.getByText('No maintenance windows.').waitFor();
	});

	test("an API key's secret is shown once and works until revoked", async () => {
		await page.goto(`${site()}/api-keys`);
		await page.getByLabel('Name', { exact: true }).fill('Grafana');
		await page.getByRole('button', { name: 'Create key' }).click();
		const secret = await page.getByLabel('Secret of Grafana').inputValue();
		expect(secret).toMatch(/^vik_/);
		await page.getByRole('button', { name: 'Copy' }).waitFor();
		await shot(page, 'api-keys');
		const withKey = () =>
			fetch(`http://127.0.0.1:${ports.backend}/api/v1/monitors`, { headers: { authorization: `Bearer ${secret}` } });
		expect((await withKey()).status).toBe(200);

		await page.reload();
		expect(await page.content()).not.toContain(secret);
		page.once('dialog', (d) => d.accept());
		await page.getByRole('button', { name: 'Revoke Grafana' }).click();
		await page.getByText('No keys yet.').waitFor();
		expect((await withKey()).status).toBe(401);
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

	test('the dashboard and the other app pages are usable at 375 px, in the dark theme too', async () => {
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
		for (const p of ['incidents', 'channels', 'maintenance', 'team', 'api-keys', 'audit-log', 'account']) {
			await page.goto(`${site()}/${p}`);
			const w = await page.evaluate(() => document.documentElement.scrollWidth);
			expect(w, `/${p} is ${w} px wide`).toBeLessThanOrEqual(375);
			await shot(page, `${p}-375-dark`);
		}
		await page.setViewportSize({ width: 1280, height: 900 });
	});

	test('a published status page opens logged out, cacheable, with only what was chosen', async () => {
		await page.goto(`${site()}/status-pages`);
		await page.getByRole('link', { name: 'New status page' }).click();
		await page.waitForURL((u) => u.pathname === '/status-pages/new');
		await page.getByLabel('Title', { exact: true }).fill('Acme status');
		expect(await page.getByLabel('Address', { exact: true }).inputValue()).toBe('acme-status');
		await page.getByLabel('Address', { exact: true }).fill('Acme e2e');
		await page.getByLabel(/^Local site/).check();
		await page.getByLabel(/^Published/).check();
		await page.getByRole('button', { name: 'Create status page' }).click();
		// Refused by the API: its reason sits under the address field.
		await page.locator('#field-slug-error').waitFor();
		expect(await page.getByLabel('Title', { exact: true }).inputValue()).toBe('Acme status');
		await page.getByLabel('Address', { exact: true }).fill('acme-e2e');
		await page.getByRole('button', { name: 'Create status page' }).click();
		await page.waitForURL((u) => /^\/status-pages\/[0-9a-f-]{36}$/.test(u.pathname));
		await page.getByText('Status page saved.').waitFor();

		const visitor = await browser.newContext({ viewport: { width: 375, height: 812 } });
		try {
			const p = await visitor.newPage();
			const response = await p.goto(`${site()}/status/acme-e2e`);
			expect(response?.status()).toBe(200);
			expect(response?.headers()['cache-control']).toContain('public');
			await p.getByRole('heading', { name: 'Acme status' }).waitFor();
			await p.getByText('Local site', { exact: true }).first().waitFor();
			await p.getByRole('region', { name: 'Overall status' }).waitFor();
			expect(await p.getByRole('slider', { name: /Local site uptime/ }).count()).toBe(1);
			const html = await p.content();
			expect(html).not.toContain(monitorID);
			expect(html).not.toContain(target.url);
			expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
			await shot(p, 'status-page');
			expect((await p.goto(`${site()}/status/not-a-page`))?.status()).toBe(404);

			// A README badge of the monitor, through the frontend's proxy, without a session.
			const created = await apiPost(page, '/api/v1/badges', { monitor_id: monitorID });
			expect(created.status()).toBe(201);
			const { token } = (await created.json()).data;
			const badge = await p.request.get(`${site()}/api/v1/badge/${token}/status.svg`);
			expect(badge.status()).toBe(200);
			expect(badge.headers()['content-type']).toContain('image/svg+xml');
			expect(await badge.text()).toMatch(/^<svg /);
		} finally {
			await visitor.close();
		}
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

	test('an invited user joins a second tenant and switches between the two', async () => {
		await page.goto(`${site()}/team`);
		await page.getByLabel('Email').fill('bob@example.com');
		await page.getByRole('button', { name: 'Invite', exact: true }).click();
		const link = await page.getByLabel('Invitation link').inputValue();
		const token = new URL(link).pathname.split('/').pop();
		expect(token).toMatch(/^vii_/);
		await page.getByText('bob@example.com').first().waitFor();
		await shot(page, 'team');

		const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		try {
			const p = await other.newPage();
			await p.goto(`${site()}/invite/${token}`);
			await p.getByLabel('Password').fill(PASSWORD);
			await p.getByRole('button', { name: 'Accept invitation' }).click();
			await p.waitForURL((u) => u.pathname === '/dashboard');
			await p.getByRole('row', { name: /Local site/ }).waitFor();

			const switcher = p.getByLabel('Tenant');
			expect((await switcher.locator('option').allTextContents()).map((t) => t.trim())).toEqual(
				expect.arrayContaining(['Acme (member)', 'Bobco (owner)'])
			);
			await switcher.selectOption({ label: 'Bobco (owner)' });
			await p.getByText('No monitors yet').waitFor();
			expect(await p.getByText('Local site').count()).toBe(0);
			await p.getByLabel('Tenant').selectOption({ label: 'Acme (member)' });
			await p.getByRole('row', { name: /Local site/ }).waitFor();
		} finally {
			await other.close();
		}

		// Back in Acme's team page: Bob is a member, and his role changes.
		await page.reload();
		await page.getByLabel('Role of Bob').selectOption('viewer');
		await page.getByRole('listitem').filter({ has: page.getByLabel('Role of Bob') }).getByRole('button', { name: 'Change role' }).click();
		await page.getByText('Saved.').waitFor();
		const members = (await (await page.request.get(`${site()}/api/v1/members`)).json()).data;
		expect(members.find((m: { email: string }) => m.email === 'bob@example.com')?.role).toBe('viewer');
	});

	test('the account page lists this session, and the audit log the writes', async () => {
		await page.goto(`${site()}/account`);
		await page.getByText('this browser').waitFor();
		await shot(page, 'account');
		await page.goto(`${site()}/audit-log?action=member.update`);
		await page.getByText('member.update', { exact: true }).first().waitFor();
		await shot(page, 'audit-log');
	});

	test('logging out forgets the session', async () => {
		await page.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL((u) => u.pathname === '/login');
		expect((await first.cookies()).some((c) => c.name === 'vinsight_session')).toBe(false);
		await page.goto(`${site()}/dashboard`);
		expect(new URL(page.url()).pathname).toBe('/login');
	});
});

// colouredPixels counts the chart's saturated pixels: its lines, not the grey axes and grid.
function colouredPixels(page: Page): Promise<number> {
	return page.evaluate(() => {
		const canvas = document.querySelector<HTMLCanvasElement>('.chart canvas');
		if (!canvas || !canvas.width || !canvas.height) return 0;
		const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
		let count = 0;
		for (let i = 0; i < pixels.length; i += 4) {
			const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
			if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count++;
		}
		return count;
	});
}

async function getJSON(url: string) {
	const res = await fetch(url);
	return { status: res.status, body: await res.json() };
}
