// A deadline on every Docker API call: a call the engine does not answer in time is aborted and fails naming the call, the known cause and the fix.
import type Docker from 'dockerode';
import { LabError } from '../../util/errors.js';

/** Default deadline of one API call (until the response starts; a non-streaming call's whole body). */
export const DEFAULT_DOCKER_TIMEOUT_MS = 60_000;

/** OLAB_DOCKER_TIMEOUT_MS, else the default. */
export function dockerTimeoutMs(): number {
  const v = Number(process.env.OLAB_DOCKER_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_DOCKER_TIMEOUT_MS;
}

/** What to say about an engine that stopped answering: the known cause here and how to recover. */
export const STUCK_ENGINE_HINT =
  'the Docker engine has stopped answering. Known cause: Debian\'s dockerd 20.10.24 deadlocks in libnetwork ' +
  '(moby/moby#46661) when a container exit races an endpoint deletion; only a restart recovers. ' +
  'Fix: bash scripts/ensure-docker.sh --restart (restarts a dockerd the lab started itself; restart any other yourself). ' +
  'OLAB_DOCKER_TIMEOUT_MS sets the deadline';

/** A Docker API call that passed its deadline (exit code 1). */
export class DockerDeadlineError extends LabError {
  override name = 'DockerDeadlineError';

  constructor(
    readonly call: string,
    readonly ms: number,
    where: string,
  ) {
    super(`Docker API call ${call} got no answer from ${where} within ${ms} ms: ${STUCK_ENGINE_HINT}`);
  }
}

export function isDeadlineError(err: unknown): err is DockerDeadlineError {
  return err instanceof DockerDeadlineError;
}

interface DialOptions {
  path?: string;
  method?: string;
  abortSignal?: AbortSignal;
}
type DialCallback = (err: unknown, data?: unknown) => void;
/** Sees every finished call and how long it took (the stress benchmark's slowest call). */
let observer: ((call: string, ms: number) => void) | undefined;
export function observeCalls(fn: ((call: string, ms: number) => void) | undefined): void {
  observer = fn;
}

type Modem = { dial: (o: DialOptions, cb: DialCallback) => void; __olabDeadline?: boolean };

/** "POST /containers/olab-x-s1/kill": the call as a user can look it up, without version prefix or query. */
export function callName(o: DialOptions): string {
  return `${o.method ?? 'GET'} ${(o.path ?? '?').replace(/\?.*$/, '')}`;
}

/**
 * Wraps the client's modem so every request gets an abort signal and a timer: when the timer fires first, the
 * request is destroyed and the call fails with a DockerDeadlineError. Streams (exec, logs, build) count as
 * answered when their response starts. Idempotent.
 */
export function withDeadlines(docker: Docker, where: string, timeoutMs: () => number = dockerTimeoutMs): Docker {
  const modem = docker.modem as unknown as Modem;
  if (modem.__olabDeadline) return docker;
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    const ms = timeoutMs();
    const call = callName(options);
    const ctl = new AbortController();
    options.abortSignal = options.abortSignal ? AbortSignal.any([options.abortSignal, ctl.signal]) : ctl.signal;
    let done = false;
    const t0 = performance.now();
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      ctl.abort();
      callback(new DockerDeadlineError(call, ms, where));
    }, ms);
    dial(options, (err, data) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      observer?.(call, performance.now() - t0);
      callback(err, data);
    });
  };
  modem.__olabDeadline = true;
  return docker;
}
