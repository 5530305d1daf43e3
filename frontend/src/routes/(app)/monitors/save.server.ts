// Saving the monitor form: create and edit differ only in method and path.
import { fail, type RequestEvent } from '@sveltejs/kit';
import { monitorRequest, readMonitorForm } from '$lib/monitor-form';
import { refused } from '$lib/server/forms';
import { backend } from '$lib/server/session';
import type { Monitor, NotificationChannel } from '$lib/types';

/** saveMonitor sends the submitted form to the API; it returns the saved monitor or the failure to show. */
export async function saveMonitor(event: RequestEvent, method: 'POST' | 'PUT', path: string) {
	const values = readMonitorForm(await event.request.formData());
	const { body, errors } = monitorRequest(values);
	if (Object.keys(errors).length) {
		return { failure: fail(400, { message: 'Some fields need fixing.', errors, values }) };
	}
	try {
		return { monitor: await backend<Monitor>(event, path, { method, json: body }) };
	} catch (err) {
		return { failure: refused(err, values) };
	}
}

/** channels lists the tenant's notification channels for the form's checkboxes. */
export function channels(event: RequestEvent): Promise<NotificationChannel[]> {
	return backend<NotificationChannel[]>(event, '/api/v1/notification-channels?per_page=100');
}
