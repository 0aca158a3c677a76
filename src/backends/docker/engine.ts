// Whether a Docker engine answers: a ping with a short timeout, then its version (API 1.41 or newer is needed); whether it answers a network listing.
import { dockerClient, engineAddress } from './client.js';
import { DockerDeadlineError, STUCK_ENGINE_HINT } from './deadline.js';

export interface EngineStatus {
  ok: boolean;
  /** absent: nothing listens (no socket, refused); stuck: something listens but does not answer */
  state?: 'ok' | 'absent' | 'stuck' | 'refused';
  /** why not, or what answered ("Docker 20.10.24 (API 1.41) at unix:///var/run/docker.sock") */
  reason: string;
  version?: string;
  apiVersion?: string;
}

const MIN_API = [1, 41] as const;

function apiAtLeast(v: string): boolean {
  const [maj = 0, min = 0] = v.split('.').map(Number);
  return maj > MIN_API[0] || (maj === MIN_API[0] && min >= MIN_API[1]);
}

/** Pings the engine named by DOCKER_HOST (default socket otherwise); never throws. */
export async function dockerAvailable(timeoutMs = 3000): Promise<EngineStatus> {
  const where = engineAddress();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const docker = dockerClient();
    // dockerode takes abortSignal on every call; its types omit it for ping and version
    const withSignal = { abortSignal: signal } as object;
    await (docker.ping as (o: object) => Promise<unknown>).call(docker, withSignal);
    const v = (await (docker.version as (o: object) => Promise<unknown>).call(docker, withSignal)) as { Version?: string; ApiVersion?: string };
    const version = v.Version ?? '?';
    const apiVersion = v.ApiVersion ?? '?';
    if (!apiAtLeast(apiVersion)) {
      return { ok: false, state: 'refused', reason: `Docker ${version} at ${where} speaks API ${apiVersion}; oneip-lab needs 1.41 or newer`, version, apiVersion };
    }
    return { ok: true, state: 'ok', reason: `Docker ${version} (API ${apiVersion}) at ${where}`, version, apiVersion };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    let why: string;
    let state: EngineStatus['state'] = 'refused';
    if (signal.aborted || e.name === 'AbortError' || err instanceof DockerDeadlineError) {
      why = `no answer within ${timeoutMs} ms`;
      state = 'stuck';
    } else if (e.code === 'ENOENT') {
      why = 'the socket does not exist (dockerd is not running)';
      state = 'absent';
    } else if (e.code === 'ECONNREFUSED') {
      why = 'connection refused (dockerd is not running)';
      state = 'absent';
    } else if (e.code === 'EACCES') why = 'permission denied on the socket (run as root or join the docker group)';
    else why = e.message || String(err);
    return { ok: false, state, reason: `no Docker engine at ${where}: ${why}` };
  }
}

/**
 * Whether the engine answers a network listing within timeoutMs: the call a deadlocked libnetwork never answers
 * although pings still do. Throws a DockerDeadlineError naming the call when it does not; returns how long it took.
 */
export async function networksAnswer(timeoutMs = 5000): Promise<number> {
  const t0 = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await (dockerClient().listNetworks as (o: object) => Promise<unknown>).call(dockerClient(), { abortSignal: signal });
  } catch (err) {
    if (signal.aborted || (err as Error).name === 'AbortError') throw new DockerDeadlineError('GET /networks', timeoutMs, engineAddress());
    throw err;
  }
  return performance.now() - t0;
}

/** The message for an engine that is there but does not answer. */
export function stuckEngineMessage(status: EngineStatus): string {
  return `${status.reason}: ${STUCK_ENGINE_HINT}`;
}
