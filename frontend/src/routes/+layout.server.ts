import type { LayoutServerLoad } from './$types';

// Every page, public ones too, renders times in the zone the browser last reported.
export const load: LayoutServerLoad = ({ locals }) => ({ timeZone: locals.timeZone });
