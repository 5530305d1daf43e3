// Saving the channel form: create and edit differ only in method and path.
import { fail, type RequestEvent } from '@sveltejs/kit';
import { channelRequest, readChannelForm } from '$lib/channel-form';
import { refused } from '$lib/server/forms';
import { backend } from '$lib/server/session';
import type { Channel } from '$lib/types';

/** saveChannel sends the submitted form to the API; it returns the saved channel or the failure to show. */
export async function saveChannel(event: RequestEvent, method: 'POST' | 'PUT', path: string) {
	const values = readChannelForm(await event.request.formData());
	const { body, errors } = channelRequest(values);
	if (Object.keys(errors).length) {
		return { failure: fail(400, { message: 'Some fields need fixing.', errors, values }) };
	}
	try {
		return { channel: await backend<Channel>(event, path, { method, json: body }) };
	} catch (err) {
		return { failure: refused(err, values) };
	}
}
