// See https://svelte.dev/docs/kit/types#app.d.ts
import type { Session } from '$lib/server/session';

declare global {
	namespace App {
		interface Locals {
			/** The verified session, or null when logged out. */
			session: Session | null;
			/** The theme the visitor chose: light, dark, or empty for the system's. */
			theme: '' | 'light' | 'dark';
			/** The viewer's time zone as the browser last reported it (the tz cookie), else UTC. */
			timeZone: string;
		}
		// interface Error {}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
