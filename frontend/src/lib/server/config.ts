import { env } from '$env/dynamic/private';

/** backendURL is where the Go API listens; read per call so adapter-node's runtime env applies. */
export function backendURL(): string {
	return (env.BACKEND_URL || 'http://localhost:8080').replace(/\/+$/, '');
}
