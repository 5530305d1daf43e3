import { describe, expect, it } from 'vitest';
import { describeWindow, localDateTime, newWindow, readWindowForm, windowRequest, windowValues } from './maintenance-form';
import type { MaintenanceWindow } from './types';

const weekly: MaintenanceWindow = {
	id: 'w1',
	name: 'Sunday deploys',
	starts_at: '2026-12-06T01:00:00Z',
	ends_at: '2026-12-06T03:00:00Z',
	time_zone: 'Europe/Berlin',
	rrule: 'FREQ=WEEKLY;BYDAY=SU',
	all_monitors: false,
	monitor_ids: ['m1', 'm2'],
	tags: ['db'],
	created_at: '2026-11-26T10:00:00Z',
	updated_at: '2026-11-26T10:00:00Z',
	active: false,
	next: null
};

describe('localDateTime', () => {
	it.each([
		['2026-12-06T01:00:00Z', 'Europe/Berlin', '2026-12-06T02:00'],
		['2026-07-05T01:00:00Z', 'Europe/Berlin', '2026-07-05T03:00'], // summer time
		['2026-12-06T01:00:00Z', 'America/New_York', '2026-12-05T20:00'],
		['2026-12-06T00:30:00Z', 'UTC', '2026-12-06T00:30']
	])('%s in %s is %s', (iso, zone, local) => {
		expect(localDateTime(iso, zone)).toBe(local);
	});

	it('falls back to UTC for a zone it does not know', () => {
		expect(localDateTime('2026-12-06T01:00:00Z', 'Mars/Olympus')).toBe('2026-12-06T01:00');
	});
});

describe('maintenance window form', () => {
	it('shows a stored window on the wall clock of its zone and sends it back the same', () => {
		const values = windowValues(weekly);
		expect(values).toMatchObject({ starts_at: '2026-12-06T02:00', ends_at: '2026-12-06T04:00', repeat: 'rrule', scope: 'some' });
		const form = new FormData();
		for (const [k, v] of Object.entries(values)) if (k !== 'monitor_ids') form.set(k, v);
		form.append('monitor_ids', 'm1');
		form.append('monitor_ids', 'm2');
		expect(windowRequest(readWindowForm(form))).toEqual({
			name: 'Sunday deploys',
			starts_at: '2026-12-06T02:00',
			ends_at: '2026-12-06T04:00',
			time_zone: 'Europe/Berlin',
			rrule: 'FREQ=WEEKLY;BYDAY=SU',
			all_monitors: false,
			monitor_ids: ['m1', 'm2'],
			tags: ['db']
		});
	});

	it('drops the rule of a one-off window and the choices of an all-monitors one', () => {
		const body = windowRequest({ ...windowValues(weekly), repeat: 'once', scope: 'all' });
		expect(body).toMatchObject({ rrule: '', all_monitors: true, monitor_ids: [], tags: [] });
	});

	it('starts a new window at the next full hour, for an hour', () => {
		expect(newWindow(new Date('2026-11-26T10:17:00Z'))).toMatchObject({
			time_zone: 'UTC',
			starts_at: '2026-11-26T11:00',
			ends_at: '2026-11-26T12:00'
		});
	});

	it('says when a window happens in its own zone', () => {
		expect(describeWindow(weekly)).toBe('2026-12-06 02:00 to 2026-12-06 04:00 Europe/Berlin, repeating FREQ=WEEKLY;BYDAY=SU');
	});
});
