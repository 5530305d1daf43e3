// The maintenance window form: times as the wall clock of the window's time zone
// (what the API reads for "2026-12-06T02:00"), once or by an RRULE, and a scope of
// every monitor or of chosen monitors and tags.
import { splitList, type FormValues } from './monitor-form';
import type { MaintenanceWindow } from './types';

/** localDateTime is iso on the wall clock of timeZone, as datetime-local reads it: 2026-12-06T02:00. */
export function localDateTime(iso: string, timeZone: string): string {
	let parts: Intl.DateTimeFormatPart[];
	try {
		parts = new Intl.DateTimeFormat('en-GB', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23'
		}).formatToParts(new Date(iso));
	} catch {
		// An unknown zone: show the time in UTC rather than nothing.
		return iso.slice(0, 16);
	}
	const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
	return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
}

/** newWindow is the form of a new window: the next full hour for an hour, in UTC. */
export function newWindow(now: Date): FormValues {
	const start = new Date(now);
	start.setUTCMinutes(0, 0, 0);
	start.setUTCHours(start.getUTCHours() + 1);
	const end = new Date(start.getTime() + 3600_000);
	return {
		time_zone: 'UTC',
		starts_at: localDateTime(start.toISOString(), 'UTC'),
		ends_at: localDateTime(end.toISOString(), 'UTC'),
		repeat: 'once',
		scope: 'all'
	};
}

/** windowValues fills the form from a stored window. */
export function windowValues(w: MaintenanceWindow): FormValues {
	return {
		name: w.name,
		time_zone: w.time_zone,
		starts_at: localDateTime(w.starts_at, w.time_zone),
		ends_at: localDateTime(w.ends_at, w.time_zone),
		repeat: w.rrule ? 'rrule' : 'once',
		rrule: w.rrule,
		scope: w.all_monitors ? 'all' : 'some',
		monitor_ids: (w.monitor_ids ?? []).join(','),
		tags: (w.tags ?? []).join(', ')
	};
}

const FIELDS = ['name', 'time_zone', 'starts_at', 'ends_at', 'repeat', 'rrule', 'scope', 'tags'];

/** readWindowForm takes the window's fields from the submitted form. */
export function readWindowForm(form: FormData): FormValues {
	const values: FormValues = { monitor_ids: form.getAll('monitor_ids').map(String).join(',') };
	for (const name of FIELDS) {
		const value = form.get(name);
		values[name] = typeof value === 'string' ? value : '';
	}
	return values;
}

/** windowRequest turns the form into the body of POST or PUT /api/v1/maintenance-windows. */
export function windowRequest(values: FormValues): Record<string, unknown> {
	const some = values.scope === 'some';
	return {
		name: values.name ?? '',
		starts_at: values.starts_at ?? '',
		ends_at: values.ends_at ?? '',
		time_zone: values.time_zone ?? '',
		rrule: values.repeat === 'rrule' ? (values.rrule ?? '').trim() : '',
		all_monitors: !some,
		monitor_ids: some ? splitList(values.monitor_ids ?? '') : [],
		tags: some ? splitList(values.tags ?? '') : []
	};
}

/** wallClock reads iso on the clock of timeZone: 2026-12-06 02:00. */
export function wallClock(iso: string, timeZone: string): string {
	return localDateTime(iso, timeZone).replace('T', ' ');
}

/** describeWindow says when a window happens, in its own time zone. */
export function describeWindow(w: MaintenanceWindow): string {
	const at = (iso: string) => wallClock(iso, w.time_zone);
	const span = `${at(w.starts_at)} to ${at(w.ends_at)} ${w.time_zone}`;
	return w.rrule ? `${span}, repeating ${w.rrule}` : span;
}
