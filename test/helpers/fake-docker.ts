// Test helper: a fake Docker engine on a unix socket that answers pings and versions like Debian's dockerd 20.10 and can leave network calls unanswered, as a deadlocked libnetwork does.
import type { Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeEngine {
  /** DOCKER_HOST for it */
  host: string;
  socket: string;
  /** every request as "METHOD /path" (API version prefix and query left out) */
  requests: string[];
}

export interface FakeEngineOptions {
  /** silent: a network listing is never answered (moby/moby#46661: pings still are); empty: [] */
  networks: 'silent' | 'empty';
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' });
  res.end(JSON.stringify(body));
}

/**
 * Answers GET /_ping, /version and /info, says 404 to every image inspect (no image on this engine), lists
 * networks as told, and never answers anything else (the request is held open until the test ends).
 */
export async function fakeEngine(t: Test, options: FakeEngineOptions): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'olab-fake-engine-'));
  const socket = join(dir, 'docker.sock');
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').replace(/\?.*$/, '').replace(/^\/v\d+\.\d+/, '');
    requests.push(`${req.method} ${path}`);
    if (path === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': '1.41' });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
    } else if (path === '/version') {
      json(res, 200, { Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' });
    } else if (path === '/info') {
      json(res, 200, { ID: 'fake', Name: 'fake-engine', ServerVersion: '20.10.24', Containers: 0, Images: 0 });
    } else if (/^\/images\/.+\/json$/.test(path)) {
      json(res, 404, { message: `No such image: ${decodeURIComponent(path.slice(8, -5))}` });
    } else if (path === '/networks' && req.method === 'GET' && options.networks === 'empty') {
      json(res, 200, []);
    } else {
      held.push(res);
    }
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(() => {
    held.forEach((r) => r.destroy());
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { host: `unix://${socket}`, socket, requests };
}
