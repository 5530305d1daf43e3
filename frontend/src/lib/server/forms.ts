// Form actions: read fields, turn an API error into what the form shows.
import { fail, type ActionFailure } from '@sveltejs/kit';
import { ApiError } from '$lib/api';

/** FormFailure is what a form shows after a refused submission. */
export interface FormFailure {
	message: string;
	errors: Record<string, string>;
	values: Record<string, string>;
}

/** text reads a form field as a string ('' when absent). */
export function text(form: FormData, name: string): string {
	const value = form.get(name);
	return typeof value === 'string' ? value : '';
}

/**
 * refused turns an error from the API into a failed action: the API's
 * message and field errors, and the values to fill the form with again.
 */
export function refused(err: unknown, values: Record<string, string> = {}): ActionFailure<FormFailure> {
	if (err instanceof ApiError) {
		const status = err.status >= 400 && err.status < 600 ? err.status : 502;
		const message =
			err.status === 0 || err.status === 502 ? 'The backend is unavailable; try again shortly.' : err.message;
		return fail(status, { message, errors: err.details, values });
	}
	throw err;
}
