// What each role may do in the UI; the API checks again and has the last word.
import { ROLES, type Role } from './types';

/** canWrite: owners, admins and members change monitors, channels, windows and incidents. */
export function canWrite(role: Role): boolean {
	return role === 'owner' || role === 'admin' || role === 'member';
}

/** canManage: owners and admins manage members, invitations and API keys. */
export function canManage(role: Role): boolean {
	return role === 'owner' || role === 'admin';
}

/** grantable lists the roles someone of role may give: only an owner grants owner. */
export function grantable(role: Role): Role[] {
	if (role === 'owner') return ROLES;
	if (role === 'admin') return ROLES.filter((r) => r !== 'owner');
	return [];
}
