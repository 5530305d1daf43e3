/** describeAgent reads a User-Agent as browser and system ("Firefox on Linux"); the raw string when it is neither. */
export function describeAgent(ua: string): string {
	if (!ua) return 'Unknown browser';
	const browser =
		[
			['Edg/', 'Edge'],
			['OPR/', 'Opera'],
			['Firefox/', 'Firefox'],
			['Chrome/', 'Chrome'],
			['Safari/', 'Safari'],
			['curl/', 'curl']
		].find(([token]) => ua.includes(token))?.[1] ?? '';
	const system =
		[
			['Android', 'Android'],
			['iPhone', 'iOS'],
			['iPad', 'iPadOS'],
			['Windows', 'Windows'],
			['Mac OS X', 'macOS'],
			['CrOS', 'ChromeOS'],
			['Linux', 'Linux']
		].find(([token]) => ua.includes(token))?.[1] ?? '';
	if (browser && system) return `${browser} on ${system}`;
	return browser || system || ua.slice(0, 60);
}
