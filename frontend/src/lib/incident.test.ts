import { describe, expect, it } from 'vitest';
import { eventLabel } from './incident';

describe('eventLabel', () => {
	it('names each kind in words with a symbol, and an unknown kind as itself', () => {
		expect(eventLabel('notification_failed')).toMatchObject({ text: 'Notification failed', tone: 'bad' });
		expect(eventLabel('resolved').symbol).toBe('✓');
		expect(eventLabel('something_new')).toMatchObject({ text: 'something_new' });
	});
});
