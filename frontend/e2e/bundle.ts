// The JavaScript a route ships, from the production build: what SvelteKit's
// server manifest says the page loads at start (the client entry and every
// layout, error and page node of the route with their static imports), each
// file compressed with gzip at level 9.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { frontendDir } from './stack';

const serverDir = path.join(frontendDir, '.svelte-kit', 'output', 'server');
const clientDir = path.join(frontendDir, 'build', 'client');

/** gzipSize is the length of data compressed with gzip at level 9. */
export function gzipSize(data: Buffer | string): number {
	return gzipSync(data, { level: 9 }).length;
}

export interface RouteJS {
	files: string[];
	bytes: number;
	gzip: number;
}

/** routeJS lists and weighs the JavaScript files a page of routeID loads at start. */
export function routeJS(routeID: string): RouteJS {
	const manifest = readFileSync(path.join(serverDir, 'manifest.js'), 'utf8');
	const client = /client: \{.*?imports:(\[[^\]]*\])/s.exec(manifest);
	if (!client) throw new Error('no client entry imports in the server manifest: has its format changed?');
	const route = new RegExp(
		`id: ${JSON.stringify(routeID).replace(/[()]/g, '\\$&')},[^}]*?page: \\{ layouts: \\[([^\\]]*)\\], errors: \\[([^\\]]*)\\], leaf: (\\d+) \\}`,
		's'
	).exec(manifest);
	if (!route) throw new Error(`route ${routeID} has no page in the server manifest`);
	// The layouts' error pages load at start too, ready for an error.
	const nodes = [...route[1].split(','), ...route[2].split(','), route[3]].filter(Boolean);
	const files = new Set<string>(JSON.parse(client[1]));
	for (const n of nodes) {
		const node = readFileSync(path.join(serverDir, 'nodes', `${Number(n)}.js`), 'utf8');
		const imports = /export const imports = (\[[^\]]*\]);/.exec(node);
		if (!imports) throw new Error(`node ${n} lists no imports: has the build format changed?`);
		for (const f of JSON.parse(imports[1]) as string[]) files.add(f);
	}
	let bytes = 0;
	let gzip = 0;
	for (const f of files) {
		const body = readFileSync(path.join(clientDir, f));
		bytes += body.length;
		gzip += gzipSize(body);
	}
	return { files: [...files], bytes, gzip };
}
