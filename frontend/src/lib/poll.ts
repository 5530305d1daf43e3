// Live pages re-run their load on a timer while the tab is visible.
import { invalidate } from '$app/navigation';

/** poll invalidates dependency every intervalMs while the page is visible; returns the stop function. */
export function poll(dependency: string, intervalMs: number): () => void {
	const tick = () => {
		if (document.visibilityState === 'visible') invalidate(dependency);
	};
	const timer = setInterval(tick, intervalMs);
	// Coming back to the tab refreshes at once instead of waiting for the next tick.
	document.addEventListener('visibilitychange', tick);
	return () => {
		clearInterval(timer);
		document.removeEventListener('visibilitychange', tick);
	};
}
