// nginx as a server node's HTTP server: one foreground process per node (no master/worker split, so its pid is all there is), same answers as the lab's server.
import { join } from 'node:path';

export interface NginxNode {
  /** the server's name, answered at / and in X-Served-By */
  name: string;
  port: number;
  /** a folder of the lab that the node can write: pid, temp files, error log */
  runDir: string;
  /** folder holding files named by byte count, served at /bytes/N */
  bytesDir: string;
}

export function nginxConfig(n: NginxNode): string {
  const dir = (what: string): string => join(n.runDir, what);
  return `# nginx of ${n.name}, written by oneip-lab
daemon off;
master_process off;
user root;
pid ${dir(`${n.name}-nginx.pid`)};
error_log ${dir(`${n.name}-nginx-error.log`)} warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  client_body_temp_path ${dir('client_body')};
  proxy_temp_path ${dir('proxy')};
  fastcgi_temp_path ${dir('fastcgi')};
  uwsgi_temp_path ${dir('uwsgi')};
  scgi_temp_path ${dir('scgi')};
  server {
    listen ${n.port} default_server reuseport;
    add_header X-Served-By ${n.name} always;
    location = / { default_type text/plain; return 200 "${n.name}\\n"; }
    location = /health { default_type text/plain; return 200 "ok\\n"; }
    location ~ "^/bytes/([0-9]{1,9})$" { default_type application/octet-stream; alias ${n.bytesDir}/$1; }
    location / { return 404; }
  }
}
`;
}

/** The shell line that writes the config and runs nginx in the foreground (what the lab spawns in the node). */
export function nginxCommand(n: NginxNode): string[] {
  const conf = join(n.runDir, `${n.name}-nginx.conf`);
  const script = `mkdir -p "$1"\ncat > "$2" <<'ONEIP_EOF'\n${nginxConfig(n)}ONEIP_EOF\nexec nginx -c "$2"`;
  return ['sh', '-ec', script, 'sh', n.runDir, conf];
}
