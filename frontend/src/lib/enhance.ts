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
