// nginx as an L7 front: a reverse proxy (proxy scheme, engine nginx) or a redirector (redirect scheme), one server block per server port.
import { NODE_DIR, type ProcessStep } from '../plan/types.js';
import type { Topology } from '../topology/types.js';
import { frontPort, listeningCheck } from './front.js';

const SERVER_PORT = 80;

function nginxHead(t: Topology, what: string): string[] {
  return [
    `# nginx on ${t.dispatchers[0]?.name ?? 'dispatcher'}, written by oneip-lab (${what}, lab ${t.name})`,
    'daemon off;',
    'master_process off;',
    'user root;',
    `pid ${NODE_DIR}/front-nginx.pid;`,
    `error_log ${NODE_DIR}/front-nginx-error.log warn;`,
    'events { worker_connections 8192; }',
    'http {',
    '  access_log off;',
    '  keepalive_timeout 65s;',
    '  keepalive_requests 1000000;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d}_temp_path ${NODE_DIR}/${d};`),
  ];
}

/** Proxy scheme, engine nginx: per server port an upstream of S_k with the others as backups; passive checks only (open-source nginx has no active ones). */
export function nginxProxyConfig(t: Topology): string {
  const blocks = t.servers.flatMap((s) => [
    `  # clients the dispatch function names ${s.name} come to port ${frontPort(s.index)}`,
    `  upstream to_${s.name} {`,
    ...t.servers.map((o) => `    server ${o.address}:${SERVER_PORT} max_fails=1 fail_timeout=2s${o.index === s.index ? '' : ' backup'};`),
    '    keepalive 64;',
    '  }',
    '  server {',
    `    listen ${t.ghost}:${frontPort(s.index)};`,
    '    location / {',
    `      proxy_pass http://to_${s.name};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_connect_timeout 500ms;',
    '      proxy_next_upstream error timeout http_502 http_503;',
    '    }',
    '  }',
  ]);
  return [...nginxHead(t, 'scheme proxy, engine nginx'), ...blocks, '}', ''].join('\n');
}

/** Redirect scheme: per server port a 302 to S_k's primary address, the path kept. */
export function nginxRedirectConfig(t: Topology): string {
  const blocks = t.servers.map((s) => `  server { listen ${t.ghost}:${frontPort(s.index)}; location / { return 302 http://${s.address}$request_uri; } }`);
  return [...nginxHead(t, 'scheme redirect'), ...blocks, '}', ''].join('\n');
}

export function nginxFrontStep(t: Topology, config: string, comment: string): ProcessStep {
  return {
    kind: 'process',
    name: 'nginx',
    argv: ['nginx', '-c', `${NODE_DIR}/front-nginx.conf`],
    files: [{ path: 'front-nginx.conf', text: config }],
    ready: { argv: listeningCheck(t) },
    comment,
  };
}
