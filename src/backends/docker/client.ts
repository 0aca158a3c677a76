// The Docker client (from DOCKER_HOST: unix socket, tcp or ssh://user@host), error helpers and stream draining.
import Docker from 'dockerode';
import { withDeadlines } from './deadline.js';
import { SshDockerAgent, sshConfigOf } from './ssh-agent.js';

let shared: Docker | undefined;
let sshAgent: SshDockerAgent | undefined;

/** Ends the client's ssh connection, if any (it would keep a finished command's process alive). */
export function closeDockerClient(): void {
  sshAgent?.destroy();
  sshAgent = undefined;
  shared = undefined;
}

/**
 * One client per process. docker-modem reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself, except
 * for ssh://, where every API call would pay an ssh handshake: there all calls share one ssh connection.
 * Every call has a deadline (deadline.ts: OLAB_DOCKER_TIMEOUT_MS).
 */
export function dockerClient(): Docker {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('ssh://')) {
    // docker-modem uses `agent` for every request (apocas/docker-modem#103); @types/dockerode does not list it
    sshAgent ??= new SshDockerAgent(sshConfigOf(host));
    const options = { protocol: 'http', host: 'docker-over-ssh', port: 80, agent: sshAgent };
    shared ??= withDeadlines(new Docker(options as Docker.DockerOptions), engineAddress());
  }
  shared ??= withDeadlines(new Docker(), engineAddress());
  return shared;
}

/** Where the engine is, for messages: DOCKER_HOST or the default socket. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/**
 * Whether the engine runs on this machine (a unix socket), so host paths (project, node binary, log folder)
 * can be bind-mounted and seen the same on both sides. Over ssh:// or tcp:// they would name the remote host's files.
 */
export function engineIsLocal(): boolean {
  const host = process.env.DOCKER_HOST;
  return !host || host.startsWith('unix://');
}

/** HTTP status of a docker-modem error ("(HTTP code 404) no such container - ..."), or undefined. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own words from a docker-modem error, without the "(HTTP code N) reason - " prefix. */
export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message.trim();
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

/** Whether a docker-modem error is one of these HTTP statuses (a deadline error never is). */
export function hasStatus(err: unknown, ...codes: number[]): boolean {
  const s = statusOf(err);
  return s !== undefined && codes.includes(s);
}

/** Runs fn and maps a 404 (or 304: already in that state) to `fallback`. */
export async function ignoreMissing<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const s = statusOf(err);
    if (s === 404 || s === 304) return fallback;
    throw err;
  }
}

interface ProgressEvent {
  status?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  progress?: string;
  id?: string;
}

/** Reads a JSON-lines progress stream (build, import, pull) to its end; rejects on an `error` event. */
export function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (e: ProgressEvent) => void = () => {},
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: ProgressEvent[]) => {
        if (err) return reject(err);
        const bad = out.find((e) => e.error || e.errorDetail);
        if (bad) return reject(new Error(bad.errorDetail?.message ?? bad.error ?? 'failed'));
        resolve(out);
      },
      onEvent,
    );
  });
}
