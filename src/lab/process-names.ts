// Names of the long-running processes the lab starts in nodes; `revive` starts these again with their recorded command lines.

/** The HTTP server of a server node (its log: <node>-http.log). */
export const SERVER_PROCESS = 'http';
/** The user's own service of a server node (topology `server: {command: ...}`; its log: <node>-service.log). */
export const SERVICE_PROCESS = 'service';
/** watchd's prober in the router (its log: <router>-watchd-probe.log). */
export const PROBER_PROCESS = 'watchd-probe';

/** The services a revived node gets back. */
export const SERVICES: ReadonlySet<string> = new Set([SERVER_PROCESS, SERVICE_PROCESS, PROBER_PROCESS]);
