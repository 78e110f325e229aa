// The dashboard server's public surface: re-exports only.

export type { ClientStats } from './broadcaster.js';
export { DashboardServer, startDashboardServer } from './dashboard-server.js';
export { minMaxIndices } from './downsample.js';
export type { PathPoint } from './live-run.js';
export { type SampleSurfaceOptions, sampleSurface } from './sample-surface.js';
export type { DashboardServerOptions } from './server-options.js';
