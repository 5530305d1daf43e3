/** VersionInfo is the data of GET /api/v1/version. */
export interface VersionInfo {
	version: string;
	storage: 'postgres' | 'timescale';
}
