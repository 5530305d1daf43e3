// Saving the status page editor: create and edit differ only in method and path.
import type { RequestEvent } from '@sveltejs/kit';
import { refused } from '$lib/server/forms';
import { backend } from '$lib/server/session';
import { readStatusPageForm, statusPageRequest, type StatusPage } from '$lib/status-page';
import type { Monitor } from '$lib/types';

/** savePage sends the submitted editor to the API; it returns the saved page or the failure to show. */
export async function savePage(event: RequestEvent, method: 'POST' | 'PUT', path: string) {
	const values = readStatusPageForm(await event.request.formData());
	try {
		return { page: await backend<StatusPage>(event, path, { method, json: statusPageRequest(values) }) };
	} catch (err) {
		return { failure: refused(err, values) };
	}
}

/** monitors lists the tenant's monitors to choose from, by name. */
export function monitors(event: RequestEvent): Promise<Monitor[]> {
	return backend<Monitor[]>(event, '/api/v1/monitors?per_page=200&sort=name');
}
