// What the benchmark measures inside the page, from navigation start
// (performance.now() is 0 there): installed before any of the page's own
// scripts, so nothing it reports can be earlier than it happened.

/** Expect says what the dashboard shows when it is rendered and when the search applied. */
export interface Expect {
	rows: number; // rows of the first page
	days: number; // segments of each uptime bar
	searchKey: string; // the one key typed into the search box
	searchTotal: number; // monitors whose name holds searchKey
}

/** Marks are milliseconds after navigation start; null when it never happened. */
export interface Marks {
	responseStart: number;
	firstContentfulPaint: number | null;
	/** rowsShown: the first frame with every row, each with its uptime bar and sparkline. */
	rowsShown: number | null;
	/** keyAt: the keystroke reached the page. */
	keyAt: number | null;
	/** searchApplied: the first frame with the list filtered by that keystroke. */
	searchApplied: number | null;
	/** searchRequest: how long the search's data request took, from sending it to its last byte. */
	searchRequest: number | null;
	/** longTasks: [start, duration] of every task over 50 ms. */
	longTasks: [number, number][];
}

declare global {
	interface Window {
		__bench: Omit<Marks, 'responseStart' | 'firstContentfulPaint' | 'searchRequest'>;
	}
}

/** install runs in the page (addInitScript): it must not use anything from this module's scope. */
export function install(expect: Expect) {
	const marks: Window['__bench'] = { rowsShown: null, keyAt: null, searchApplied: null, longTasks: [] };
	window.__bench = marks;
	new PerformanceObserver((list) => {
		for (const e of list.getEntries()) marks.longTasks.push([e.startTime, e.duration]);
	}).observe({ type: 'longtask' });
	addEventListener('keydown', (e) => (marks.keyAt ??= e.timeStamp), { capture: true });

	// A frame has been produced once a task queued from requestAnimationFrame runs.
	const afterFrame = (set: (t: number) => void) => requestAnimationFrame(() => setTimeout(() => set(performance.now())));
	let rowsSeen = false;
	let searchSeen = false;
	const check = () => {
		const rows = document.querySelectorAll('tbody tr');
		const last = rows[rows.length - 1];
		if (!rowsSeen && rows.length === expect.rows && last) {
			// The uptime bar draws runs of days as lines 5 units (a bar and a gap) a day long.
			const paths = [...last.querySelectorAll('svg[role="slider"] path')];
			const runs = paths.flatMap((p) => [...(p.getAttribute('d') ?? '').matchAll(/h(\d+)/g)]);
			const bars = runs.reduce((n, m) => n + Number(m[1]) / 5, 0);
			if (bars === expect.days && last.querySelector('.spark path')) {
				rowsSeen = true;
				afterFrame((t) => (marks.rowsShown = t));
			}
		}
		if (!searchSeen && marks.keyAt !== null) {
			const summary = document.querySelector('.summary')?.textContent ?? '';
			const names = [...rows].map((r) => r.querySelector('.name a')?.textContent ?? '');
			const filtered = names.length > 0 && names.every((n) => n.includes(expect.searchKey));
			if (summary.trim().startsWith(`${expect.searchTotal} monitors`) && filtered) {
				searchSeen = true;
				afterFrame((t) => (marks.searchApplied = t));
			}
		}
	};
	new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
}
