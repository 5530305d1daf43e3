// The monitor form: flat text fields named like the API's keys ("interval_seconds",
// "config.expected_status"), turned into a monitor request and back, and the API's
// field errors ("config.expected_status[1]") gathered beside the field they belong to.
import type { Monitor, MonitorType } from './types';

/** FormValues are the form's fields as text; a ticked checkbox is "on". */
export type FormValues = Record<string, string>;

type Kind = 'int' | 'bool' | 'text' | 'list' | 'headers' | 'assertions';

const HTTP_FIELDS: Record<string, Kind> = {
	method: 'text',
	headers: 'headers',
	body: 'text',
	expected_status: 'list',
	follow_redirects: 'bool',
	max_redirects: 'int',
	verify_tls: 'bool',
	json_assertions: 'assertions'
};

const COMMON_FIELDS: Record<string, Kind> = {
	retries: 'int',
	degraded_latency_ms: 'int',
	down_quorum: 'int',
	recovery_checks: 'int',
	reminder_minutes: 'int',
	alert_on_degraded: 'bool'
};

/** CONFIG_FIELDS are the config keys of each monitor type and how each is written in the form. */
export const CONFIG_FIELDS: Record<MonitorType, Record<string, Kind>> = {
	http: { ...HTTP_FIELDS, ...COMMON_FIELDS },
	keyword: { ...HTTP_FIELDS, keyword: 'text', case_sensitive: 'bool', absent: 'bool', ...COMMON_FIELDS },
	tcp: { send: 'text', expect: 'text', ...COMMON_FIELDS },
	dns: { record_type: 'text', resolver: 'text', expected_values: 'list', ...COMMON_FIELDS },
	icmp: { packet_count: 'int', ...COMMON_FIELDS },
	tls: { warn_days: 'int', critical_days: 'int', ...COMMON_FIELDS },
	heartbeat: { grace_seconds: 'int', ...COMMON_FIELDS }
};

const TOP_FIELDS: Record<string, Kind> = {
	name: 'text',
	target: 'text',
	interval_seconds: 'int',
	timeout_seconds: 'int',
	enabled: 'bool',
	regions: 'list',
	tags: 'list'
};

export const ASSERTION_OPS = ['equals', 'contains', 'lt', 'lte', 'gt', 'gte', 'exists'];

/** NEW_MONITOR is the form of a new monitor: the API's defaults, spelled out so they can be seen. */
export const NEW_MONITOR: FormValues = {
	type: 'http',
	interval_seconds: '60',
	enabled: 'on',
	'config.method': 'GET',
	'config.expected_status': '200-299',
	'config.follow_redirects': 'on',
	'config.max_redirects': '10',
	'config.verify_tls': 'on',
	'config.record_type': 'A',
	'config.packet_count': '3',
	'config.warn_days': '14',
	'config.critical_days': '7',
	'config.grace_seconds': '60',
	'config.retries': '0',
	'config.recovery_checks': '1',
	'config.reminder_minutes': '0'
};

/** monitorValues fills the form from a stored monitor. */
export function monitorValues(m: Monitor): FormValues {
	// Defaults first, so switching the type while editing starts from that type's defaults.
	const values: FormValues = {
		...NEW_MONITOR,
		type: m.type,
		notification_channel_ids: (m.notification_channel_ids ?? []).join(',')
	};
	for (const [key, kind] of Object.entries(TOP_FIELDS)) {
		values[key] = write(kind, (m as unknown as Record<string, unknown>)[key]);
	}
	for (const [key, kind] of Object.entries(CONFIG_FIELDS[m.type] ?? {})) {
		values[`config.${key}`] = write(kind, m.config?.[key]);
	}
	return values;
}

function write(kind: Kind, value: unknown): string {
	if (value === undefined || value === null) return '';
	switch (kind) {
		case 'bool':
			return value ? 'on' : '';
		case 'list':
			return (value as string[]).join(', ');
		case 'headers':
			return Object.entries(value as Record<string, string>)
				.map(([name, v]) => `${name}: ${v}`)
				.join('\n');
		case 'assertions':
			return (value as { path: string; op: string; value?: unknown }[])
				.map((a) => [a.path, a.op, a.value === undefined ? '' : JSON.stringify(a.value)].join(' ').trim())
				.join('\n');
		default:
			return String(value);
	}
}

/** readMonitorForm takes the fields of the submitted type from the form. */
export function readMonitorForm(form: FormData): FormValues {
	const type = String(form.get('type') ?? '') as MonitorType;
	const values: FormValues = {
		type,
		notification_channel_ids: form.getAll('notification_channel_ids').map(String).join(',')
	};
	const names = [...Object.keys(TOP_FIELDS), ...Object.keys(CONFIG_FIELDS[type] ?? {}).map((k) => `config.${k}`)];
	for (const name of names) {
		const value = form.get(name);
		values[name] = typeof value === 'string' ? value : '';
	}
	return values;
}

/**
 * monitorRequest turns the form into the body of POST or PUT /api/v1/monitors,
 * with errors for what cannot be sent at all (a number that is not one, a header
 * line without a colon). An empty number is left out, so the API's default applies;
 * a checkbox is always sent, since PUT replaces every field.
 */
export function monitorRequest(values: FormValues): { body: Record<string, unknown>; errors: Record<string, string> } {
	const errors: Record<string, string> = {};
	const read = (fields: Record<string, Kind>, prefix: string) => {
		const out: Record<string, unknown> = {};
		for (const [key, kind] of Object.entries(fields)) {
			const name = prefix + key;
			const parsed = parse(kind, values[name] ?? '');
			if (parsed.error) errors[name] = parsed.error;
			else if (parsed.value !== undefined) out[key] = parsed.value;
		}
		return out;
	};
	const type = values.type as MonitorType;
	const body: Record<string, unknown> = {
		...read(TOP_FIELDS, ''),
		type,
		notification_channel_ids: splitList(values.notification_channel_ids ?? ''),
		config: read(CONFIG_FIELDS[type] ?? {}, 'config.')
	};
	return { body, errors };
}

function parse(kind: Kind, raw: string): { value?: unknown; error?: string } {
	const text = raw.trim();
	switch (kind) {
		case 'bool':
			return { value: raw === 'on' || raw === 'true' };
		case 'int':
			if (text === '') return {};
			return /^-?\d+$/.test(text) ? { value: Number(text) } : { error: 'must be a whole number' };
		case 'list':
			return { value: splitList(text) };
		case 'headers':
			return parseHeaders(raw);
		case 'assertions':
			return parseAssertions(raw);
		default:
			return { value: raw };
	}
}

/** splitList reads a comma- or line-separated list, dropping blanks. */
export function splitList(text: string): string[] {
	return text
		.split(/[,\n]/)
		.map((s) => s.trim())
		.filter(Boolean);
}

function lines(raw: string): [number, string][] {
	return raw
		.split('\n')
		.map((line, i): [number, string] => [i + 1, line.trim()])
		.filter(([, line]) => line !== '');
}

/** parseHeaders reads one `Name: value` header a line. */
export function parseHeaders(raw: string): { value?: Record<string, string>; error?: string } {
	const headers: Record<string, string> = {};
	for (const [n, line] of lines(raw)) {
		const colon = line.indexOf(':');
		if (colon <= 0) return { error: `line ${n}: write one header a line as Name: value` };
		headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
	}
	return { value: headers };
}

const ASSERTION = new RegExp(`^(\\S.*?)\\s+(${ASSERTION_OPS.join('|')})(?:\\s+(.+))?$`);

function parseAssertions(raw: string): { value?: unknown; error?: string } {
	const out: { path: string; op: string; value?: unknown }[] = [];
	for (const [n, line] of lines(raw)) {
		const match = ASSERTION.exec(line);
		if (!match) return { error: `line ${n}: write path, operator and value, e.g. $.status equals "ok"` };
		const [, path, op, value] = match;
		out.push(value === undefined ? { path, op } : { path, op, value: jsonOrText(value) });
	}
	return { value: out };
}

// A value is JSON when it parses ("ok", 3, true); otherwise it is the text as written.
function jsonOrText(value: string): unknown {
	try {
		return JSON.parse(value);
	} catch {
		return value;
	}
}

/**
 * fieldError gathers the API's errors for one form field: its own key, its
 * entries ("config.expected_status[1]" reads "entry 2: …") and their parts
 * ("config.json_assertions[0].path", "config.headers.X-Key").
 */
export function fieldError(errors: Record<string, string> | undefined, field: string): string | undefined {
	if (!errors) return undefined;
	const found: string[] = [];
	for (const [key, reason] of Object.entries(errors)) {
		if (key === field) {
			found.push(reason);
			continue;
		}
		const entry = new RegExp(`^${escape(field)}\\[(\\d+)\\](?:\\.(.+))?$`).exec(key);
		if (entry) {
			const part = entry[2] ? ` ${entry[2]}` : '';
			found.push(`entry ${Number(entry[1]) + 1}${part}: ${reason}`);
		} else if (key.startsWith(`${field}.`)) {
			found.push(`${key.slice(field.length + 1)}: ${reason}`);
		}
	}
	return found.length ? found.join('; ') : undefined;
}

/** otherErrors lists the errors of keys no field of the form shows, so none is lost. */
export function otherErrors(errors: Record<string, string> | undefined, fields: string[]): string[] {
	if (!errors) return [];
	return Object.entries(errors)
		.filter(([key]) => !fields.some((f) => key === f || key.startsWith(`${f}[`) || key.startsWith(`${f}.`)))
		.map(([key, reason]) => `${key}: ${reason}`);
}

/** formFields names every field the form shows for a type, for otherErrors. */
export function formFields(type: MonitorType): string[] {
	return [
		'type',
		'notification_channel_ids',
		...Object.keys(TOP_FIELDS),
		...Object.keys(CONFIG_FIELDS[type] ?? {}).map((k) => `config.${k}`)
	];
}

function escape(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
