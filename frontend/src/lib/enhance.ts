// Progressive forms: the same form action with or without JavaScript.
import type { SubmitFunction } from '@sveltejs/kit';

/** pending reports a submission in flight (to disable its button) and applies the result. */
export function pending(setBusy: (busy: boolean) => void, reset = true): SubmitFunction {
	return () => {
		setBusy(true);
		return async ({ update }) => {
			await update({ reset });
			setBusy(false);
		};
	};
}

/** confirmed is pending for a destructive action: it submits only after the user confirms message. */
export function confirmed(message: string, setBusy: (busy: boolean) => void): SubmitFunction {
	const submit = pending(setBusy);
	return (input) => {
		if (!confirm(message)) {
			input.cancel();
			return;
		}
		return submit(input);
	};
}
