// Keeps container exits and endpoint deletions apart (moby/moby#46661): any number of either at once, never one of each.
//
// Docker 20.10's libnetwork deadlocks when a container's exit is processed while another endpoint is being deleted
// (a network disconnect, a container or network removal). So every operation that makes a container exit (kill,
// then wait until it exited and its endpoints are released) runs in the "exit" phase and every one that deletes
// endpoints in the "delete" phase; a phase starts only once the other has no operation left. Between processes,
// a phase holds an exclusive flock(1) on a host lock file, so two `lab` commands do not mix them either.
import { spawn, type ChildProcess } from 'node:child_process';
import { BackendError } from '../backend.js';
import { dockerTimeoutMs } from './deadline.js';

export type Phase = 'exit' | 'delete';

/** The host-wide lock file (same for every lab: they share the engine). */
export const HOST_LOCK_FILE = process.env.OLAB_DOCKER_LOCK ?? '/tmp/oneip-lab-docker-engine.lock';

/** Holds an exclusive flock on the file until released (or this process dies: the pipe closes, flock exits). */
async function hostLock(file: string, timeoutMs: number): Promise<() => void> {
  let child: ChildProcess;
  try {
    child = spawn('flock', ['-x', '-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
  } catch {
    return () => {}; // no flock(1): one process's phases are still kept apart
  }
  const got = await new Promise<boolean | 'missing'>((resolve) => {
    child.once('error', () => resolve('missing'));
    child.stdout!.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  if (got === 'missing') return () => {};
  if (!got) throw new BackendError(`another lab command held ${file} (Docker container exits and removals) for ${timeoutMs} ms`);
  child.stdout!.resume();
  return () => {
    child.stdin!.end();
  };
}

interface Waiter {
  phase: Phase;
  wake: () => void;
}

export class PhaseGate {
  private phase: Phase | undefined;
  private active = 0;
  private ready: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;
  private readonly queue: Waiter[] = [];

  private inside = 0;
  private readonly slots: (() => void)[] = [];

  /**
   * @param limit operations running at once inside a phase. Concurrent endpoint releases (exits) and deletions
   *   on one network let Docker 20.10 lose count of its endpoints ("has active endpoints" with none left, until a
   *   restart), so by default one at a time ($OLAB_DOCKER_CONCURRENCY).
   */
  constructor(
    private readonly lockFile: string | undefined = HOST_LOCK_FILE,
    private readonly limit = Number(process.env.OLAB_DOCKER_CONCURRENCY) || 1,
  ) {}

  /** Runs fn in the phase: at once when that phase is on (or none is), else once the other phase has drained. */
  async run<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    await this.enter(phase);
    try {
      // a freed slot passes straight to the next waiter
      if (this.inside < this.limit) this.inside++;
      else await new Promise<void>((r) => this.slots.push(r));
      try {
        return await fn();
      } finally {
        const next = this.slots.shift();
        if (next) next();
        else this.inside--;
      }
    } finally {
      this.leave();
    }
  }

  private async enter(phase: Phase): Promise<void> {
    let woken = false;
    for (;;) {
      const mayGo = woken || this.queue.length === 0;
      if (mayGo && this.phase === undefined) {
        this.phase = phase;
        this.ready = (async () => {
          if (this.lockFile) this.release = await hostLock(this.lockFile, dockerTimeoutMs());
        })();
      }
      if (mayGo && this.phase === phase) {
        this.active++;
        try {
          await this.ready;
        } catch (err) {
          this.leave();
          throw err;
        }
        return;
      }
      await new Promise<void>((wake) => this.queue.push({ phase, wake }));
      woken = true;
    }
  }

  private leave(): void {
    this.active--;
    if (this.active > 0) return;
    this.release?.();
    this.release = undefined;
    this.phase = undefined;
    const next = this.queue[0]?.phase;
    if (next === undefined) return;
    // every waiter of the next phase goes together; whichever runs first starts the phase, the others join it
    const going = this.queue.filter((w) => w.phase === next);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((w) => w.phase !== next));
    going.forEach((w) => w.wake());
  }
}

/** The gate of this process: one engine, so one gate for every lab and backend object. */
export const exitGate = new PhaseGate();
