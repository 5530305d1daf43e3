import { fail, redirect } from '@sveltejs/kit';
import { refused, text } from '$lib/server/forms';
import { backend, clearSession, loadFailed } from '$lib/server/session';
import { canManage } from '$lib/roles';
import type { CreatedInvite, Invite, Member } from '$lib/types';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	event.depends('app:team');
	const role = event.locals.session?.me.role ?? 'viewer';
	try {
		const [members, invites] = await Promise.all([
			backend<Member[]>(event, '/api/v1/members?per_page=200'),
			// Only owners and admins may see invitations; others are not asked.
			canManage(role) ? backend<Invite[]>(event, '/api/v1/invites?per_page=200') : Promise.resolve([])
		]);
		return { members, invites };
	} catch (err) {
		loadFailed(err, event.url);
	}
};

export const actions: Actions = {
	role: async (event) => {
		const form = await event.request.formData();
		const id = text(form, 'user_id');
		try {
			await backend(event, `/api/v1/members/${encodeURIComponent(id)}`, { method: 'PUT', json: { role: text(form, 'role') } });
		} catch (err) {
			return refused(err, { user_id: id });
		}
		return { roleChanged: id };
	},
	remove: async (event) => {
		const id = text(await event.request.formData(), 'user_id');
		try {
			await backend(event, `/api/v1/members/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err, { user_id: id });
		}
		// Leaving revokes this session too: there is nothing more to see here.
		if (id === event.locals.session?.me.user?.id) {
			clearSession(event.cookies, event.url);
			redirect(303, '/login');
		}
		return { removed: id };
	},
	invite: async (event) => {
		const form = await event.request.formData();
		const values = { email: text(form, 'email'), role: text(form, 'role') };
		if (!values.email.trim()) return fail(400, { message: 'Some fields need fixing.', errors: { email: 'required' } as Record<string, string>, values });
		try {
			const invite = await backend<CreatedInvite>(event, '/api/v1/invites', { method: 'POST', json: values });
			return { invite };
		} catch (err) {
			return refused(err, values);
		}
	},
	revokeInvite: async (event) => {
		const id = text(await event.request.formData(), 'id');
		try {
			await backend(event, `/api/v1/invites/${encodeURIComponent(id)}`, { method: 'DELETE' });
		} catch (err) {
			return refused(err);
		}
		return { revoked: id };
	}
};
