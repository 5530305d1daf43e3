// Saving the maintenance window form: create and edit differ only in method and path.
import type { RequestEvent } from '@sveltejs/kit';
import { readWindowForm, windowRequest } from '$lib/maintenance-form';
import { refused } from '$lib/server/forms';
import { backend } from '$lib/server/session';
import type { MaintenanceWindow, Monitor } from '$lib/types';

/** saveWindow sends the submitted form to the API; it returns the saved window or the failure to show. */
export async function saveWindow(event: RequestEvent, method: 'POST' | 'PUT', path: string) {
	const values = readWindowForm(await event.request.formData());
	try {
		return { window: await backend<MaintenanceWindow>(event, path, { method, json: windowRequest(values) }) };
	} catch (err) {
		return { failure: refused(err, values) };
	}
}

/** monitorChoices lists the tenant's monitors for the form's checkboxes. */
export async function monitorChoices(event: RequestEvent): Promise<{ id: string; name: string }[]> {
	const monitors = await backend<Monitor[]>(event, '/api/v1/monitors?per_page=200&sort=name');
	return monitors.map((m) => ({ id: m.id, name: m.name }));
}
