import { fail } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { backend, loadFailed } from '$lib/server/session';
import { canManage } from '$lib/roles';
import type { APIKey, CreatedAPIKey, Member } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	if (!canManage(event.locals.session?.me.role ?? 'viewer')) return { keys: [] as APIKey[], names: {} as Record<string, string>, allowed: false };
	try {
		const [keys, members] = await Promise.all([
			backend<APIKey[]>(event, '/api/v1/api-keys?per_page=200'),
			backend<Member[]>(event, '/api/v1/members?per_page=200')
		]);
		// Keys outlive their creator; a creator who left reads as "a former member".
		const names = Object.fromEntries(members.map((m) => [m.user_id, m.name]));
		return { keys, names, allowed: true };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	create: async (event) => {
		const form = await event.request.formData();
		const values = { name: text(form, 'name'), scope: text(form, 'scope') || 'read' };
		if (!values.name.trim()) return fail(400, { message: 'Some fields need fixing.', errors: { name: 'required' } as Record<string, string>, values });
		try {
			return { created: await backend<CreatedAPIKey>(event, '/api/v1/api-keys', { method: 'POST', json: values }) };
		} catch (err) {
			return refused(err, values);
		}
	},
	revoke: async (event) => {
		const id = text(await event.request.formData(), 'id');
		try {
			await backend(event, `/api/v1/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		return { revoked: id };
	}
};
