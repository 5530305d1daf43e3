import { describe, expect, it } from 'vitest';
import { canManage, canWrite, grantable } from './roles';

describe('roles', () => {
	it('lets only an owner grant owner, and viewers nothing', () => {
		expect(grantable('owner')).toEqual(['owner', 'admin', 'member', 'viewer']);
		expect(grantable('admin')).toEqual(['admin', 'member', 'viewer']);
		expect(grantable('member')).toEqual([]);
		expect([canManage('admin'), canManage('member'), canWrite('member'), canWrite('viewer')]).toEqual([true, false, true, false]);
	});
});
