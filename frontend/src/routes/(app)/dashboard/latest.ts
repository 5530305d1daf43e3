/**
 * latestOnly runs task one call at a time: a call made while one runs waits,
 * and of the calls that waited only the newest runs next. Search as you type
 * then answers the first key at once, with no timer, and never keeps more
 * than one search on its way to the server.
 */
export function latestOnly<T>(task: (value: T) => Promise<unknown>): (value: T) => Promise<void> {
	let busy = false;
	let waiting: { value: T } | null = null;
	const call = async (value: T): Promise<void> => {
		if (busy) {
			waiting = { value };
			return;
		}
		busy = true;
		try {
			await task(value);
		} finally {
			busy = false;
			const next = waiting;
			waiting = null;
			if (next) void call(next.value);
		}
	};
	return call;
}
