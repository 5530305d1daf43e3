/** describedBy joins the ids of a field's error and hint paragraphs for aria-describedby; undefined when neither shows. */
export function describedBy(inputID: string, error?: string, hint?: string): string | undefined {
	return [error ? `${inputID}-error` : '', hint ? `${inputID}-hint` : ''].filter(Boolean).join(' ') || undefined;
}
