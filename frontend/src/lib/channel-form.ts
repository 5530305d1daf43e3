// The notification channel form: flat text fields named like the API's keys
// ("config.url", "config.headers"), turned into a channel request and back.
// Secrets come back from the API as ******** and are sent back as they are,
// which keeps the stored value.
import { parseHeaders, splitList, type FormValues } from './monitor-form';
import type { Channel, ChannelType } from './types';

/** MASKED stands in for a stored secret in what the API returns. */
export const MASKED = '********';

/** CHANNEL_FIELDS are the config fields each channel type takes. */
export const CHANNEL_FIELDS: Record<ChannelType, string[]> = {
	email: ['config.to'],
	webhook: ['config.url', 'config.secret', 'config.headers'],
	shoutrrr: ['config.url']
};

/** NEW_CHANNEL is the form of a new channel. */
export const NEW_CHANNEL: FormValues = { type: 'webhook', enabled: 'on' };

/** channelValues fills the form from a stored channel (its secrets masked). */
export function channelValues(c: Channel): FormValues {
	return {
		name: c.name,
		type: c.type,
		is_default: c.is_default ? 'on' : '',
		enabled: c.enabled ? 'on' : '',
		'config.to': (c.config.to ?? []).join(', '),
		'config.url': c.config.url ?? '',
		'config.secret': c.config.secret ?? '',
		'config.headers': Object.entries(c.config.headers ?? {})
			.map(([name, value]) => `${name}: ${value}`)
			.join('\n')
	};
}

/** readChannelForm takes the fields of the submitted type from the form. */
export function readChannelForm(form: FormData): FormValues {
	const type = String(form.get('type') ?? '') as ChannelType;
	const values: FormValues = { type };
	for (const name of ['name', 'is_default', 'enabled', ...(CHANNEL_FIELDS[type] ?? [])]) {
		const value = form.get(name);
		values[name] = typeof value === 'string' ? value : '';
	}
	return values;
}

/**
 * channelRequest turns the form into the body of POST or PUT
 * /api/v1/notification-channels: only the config keys of its type, and errors
 * for what cannot be sent at all (a header line without a colon).
 */
export function channelRequest(values: FormValues): { body: Record<string, unknown>; errors: Record<string, string> } {
	const errors: Record<string, string> = {};
	const type = values.type as ChannelType;
	const config: Record<string, unknown> = {};
	if (type === 'email') {
		config.to = splitList(values['config.to'] ?? '');
	} else if (type === 'webhook' || type === 'shoutrrr') {
		config.url = (values['config.url'] ?? '').trim();
	}
	if (type === 'webhook') {
		const secret = values['config.secret'] ?? '';
		if (secret) config.secret = secret;
		const headers = parseHeaders(values['config.headers'] ?? '');
		if (headers.error) errors['config.headers'] = headers.error;
		else if (headers.value && Object.keys(headers.value).length) config.headers = headers.value;
	}
	const body = {
		name: values.name ?? '',
		type,
		config,
		is_default: values.is_default === 'on',
		enabled: values.enabled === 'on'
	};
	return { body, errors };
}
