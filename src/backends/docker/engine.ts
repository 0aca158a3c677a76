// Whether a Docker engine answers: a ping with a short timeout, then its version (API 1.41 or newer is needed).
import { dockerClient, engineAddress } from './client.js';

export interface EngineStatus {
  ok: boolean;
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
      return { ok: false, reason: `Docker ${version} at ${where} speaks API ${apiVersion}; oneip-lab needs 1.41 or newer`, version, apiVersion };
    }
    return { ok: true, reason: `Docker ${version} (API ${apiVersion}) at ${where}`, version, apiVersion };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    let why: string;
    if (signal.aborted || e.name === 'AbortError') why = `no answer within ${timeoutMs} ms`;
    else if (e.code === 'ENOENT') why = 'the socket does not exist (dockerd is not running)';
    else if (e.code === 'ECONNREFUSED') why = 'connection refused (dockerd is not running)';
    else if (e.code === 'EACCES') why = 'permission denied on the socket (run as root or join the docker group)';
    else why = e.message || String(err);
    return { ok: false, reason: `no Docker engine at ${where}: ${why}` };
  }
}
