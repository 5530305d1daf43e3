// How the events of an incident's timeline read: a word and a symbol for each
// kind, so the colour beside them only repeats what they say.

/** EventLabel names one kind of timeline event. */
export interface EventLabel {
	text: string;
	symbol: string;
	tone: 'bad' | 'ok' | 'warn' | 'info';
}

const LABELS: Record<string, EventLabel> = {
	opened: { text: 'Opened', symbol: '▼', tone: 'bad' },
	failing: { text: 'Still failing', symbol: '▼', tone: 'bad' },
	recovering: { text: 'Recovering', symbol: '▲', tone: 'ok' },
	flapping: { text: 'Flapping', symbol: '◆', tone: 'warn' },
	maintenance: { text: 'In maintenance', symbol: '⏸', tone: 'info' },
	maintenance_ended: { text: 'Maintenance ended', symbol: '⏵', tone: 'warn' },
	resolved: { text: 'Resolved', symbol: '✓', tone: 'ok' },
	reminder: { text: 'Reminder sent', symbol: '↻', tone: 'info' },
	notified: { text: 'Notified', symbol: '✉', tone: 'info' },
	notification_failed: { text: 'Notification failed', symbol: '✗', tone: 'bad' },
	acknowledged: { text: 'Acknowledged', symbol: '◆', tone: 'warn' },
	comment: { text: 'Comment', symbol: '✎', tone: 'info' }
};

/** eventLabel is how a timeline event of kind reads; an unknown kind reads as itself. */
export function eventLabel(kind: string): EventLabel {
	return LABELS[kind] ?? { text: kind, symbol: '•', tone: 'info' };
}
