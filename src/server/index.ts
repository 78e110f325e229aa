// The dashboard server's public surface: re-exports only.

export type { ClientStats } from './broadcaster.js';
export { DashboardServer, startDashboardServer } from './dashboard-server.js';
export { minMaxIndices } from './downsample.js';
export type { DashboardServerOptions } from './server-options.js';
