// HAProxy as the proxy scheme's front: one frontend per server port (S_k preferred, the others backups), active health checks, upstream keep-alive.
import { NODE_DIR, type ProcessStep } from '../plan/types.js';
import type { Topology } from '../topology/types.js';
import { GHOST_PORT, frontPort, listeningCheck } from './front.js';

const SERVER_PORT = 80;
/** The backend whose servers carry the health checks; every other server line tracks it. */
export const HEALTH_BACKEND = 'health';

export function haproxyConfig(t: Topology): string {
  const addr = (k: number) => `${t.servers[k]!.address}:${SERVER_PORT}`;
  const servers = t.servers;
  const perServer = servers.flatMap((s) => [
    '',
    `# clients the dispatch function names ${s.name} come to port ${frontPort(s.index)}: ${s.name}, the others only while it is down`,
    `frontend to_${s.name}`,
    `  bind ${t.ghost}:${frontPort(s.index)}`,
    `  default_backend ${s.name}`,
    `backend ${s.name}`,
    ...servers.map((o) => `  server ${o.name} ${addr(o.index)} track ${HEALTH_BACKEND}/${o.name}${o.index === s.index ? '' : ' backup'}`),
  ]);
  return [
    `# HAProxy on ${t.dispatchers[0]?.name ?? 'dispatcher'}, written by oneip-lab (scheme proxy, lab ${t.name})`,
    'global',
    '  # at most 2 file descriptors per connection: within the limit of 20000 the lab runs its processes with',
    '  maxconn 9000',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 500ms',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-keep-alive 10s',
    '  # upstream keep-alive: idle server connections are reused by any client, so the proxy does not run out of ports',
    '  http-reuse always',
    '  retries 2',
    '  option redispatch 1',
    '  # source-address affinity where HAProxy chooses (port 80, and among the backups of a failed server)',
    '  balance source',
    '  hash-type consistent',
    '  option allbackups',
    '  default-server inter 500ms fall 2 rise 2',
    '',
    '# active health checks, once per server; every other server line tracks these',
    `backend ${HEALTH_BACKEND}`,
    '  option httpchk GET /health',
    '  http-check expect status 200',
    ...servers.map((s) => `  server ${s.name} ${addr(s.index)} check`),
    '',
    '# a client without a dispatch mark (none while a server is alive): HAProxy\'s own source hash',
    'frontend ghost',
    `  bind ${t.ghost}:${GHOST_PORT}`,
    '  default_backend all',
    'backend all',
    ...servers.map((s) => `  server ${s.name} ${addr(s.index)} track ${HEALTH_BACKEND}/${s.name}`),
    ...perServer,
    '',
  ].join('\n');
}

export function haproxyStep(t: Topology): ProcessStep {
  return {
    kind: 'process',
    name: 'haproxy',
    argv: ['haproxy', '-db', '-f', `${NODE_DIR}/haproxy.cfg`],
    files: [{ path: 'haproxy.cfg', text: haproxyConfig(t) }],
    ready: { argv: listeningCheck(t) },
    comment: 'HAProxy: the cluster\'s HTTP entry; health checks GET /health every 500 ms (2 misses: down), retries with redispatch',
  };
}
