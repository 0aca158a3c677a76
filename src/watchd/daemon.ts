// watchd's daemon, a host process: runs the prober in the router, follows its rounds, and masks failures (paper 6.3).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessRecord } from '../backends/backend.js';
import { changeCluster } from '../lab/cluster-change.js';
import { aliveChange } from '../lab/dispatch-control.js';
import { settleTransition } from '../lab/transition-end.js';
import { restartServices } from '../lab/failures.js';
import { PROBER_PROCESS } from '../lab/process-names.js';
import { RunningLab } from '../lab/running-lab.js';
import { logDir } from '../lab/paths.js';
import { builtScript } from '../util/paths.js';
import { readState, type LabState } from '../lab/state.js';
import { probedDispatchers, proberConfig } from './config.js';
import { dispatcherFailover, serverChanges } from './decide.js';
import { appendEvent, eventsFile, makeEvent, type WatchdEvent, type WatchdEventKind } from '../lab/watchd-events.js';
import { Monitor, type Transition } from './monitor.js';
import { parseRound, type ProbeRound } from './round.js';
import { followLog, logEnd, type LogFollow } from '../lab/log-follow.js';

export class WatchdDaemon {
  private readonly lab: RunningLab;
  private readonly monitor: Monitor;
  private readonly events: string;
  private readonly proberLog: string;
  private tail: LogFollow | undefined;
  private queue: ProbeRound[] = [];
  private working = false;
  private rounds = 0;
  private lastRoundAt = Date.now();
  private housekeeper: NodeJS.Timeout | undefined;
  /** messages already reported, so a condition that lasts is reported once */
  private reported = new Set<string>();
  private stopping = false;
  private settling = false;

  constructor(state: LabState) {
    const t = state.topology;
    this.lab = new RunningLab(state);
    this.monitor = new Monitor(t.servers.map((s) => s.name), probedDispatchers(t).map((d) => d.name), t.watchd.misses);
    this.events = eventsFile(state.name);
    this.proberLog = join(logDir(state.name), `${t.router.name}-${PROBER_PROCESS}.log`);
  }

  private get t() {
    return this.lab.state.topology;
  }

  async start(): Promise<void> {
    // watchd's probe routes become part of the cluster's state, so every later plan of the router carries them
    if (probedDispatchers(this.t).length > 0) await changeCluster(this.lab, (_s, now) => (now.probes ? undefined : { next: { ...now, probes: true }, result: true }));
    const backend = this.lab.backend;
    const router = this.t.router.name;
    // the prober's rounds: a host file followed with inotify, or (a remote engine) a tail streamed from the router
    const from = await logEnd(backend, router, this.proberLog);
    this.tail = await followLog(backend, router, this.proberLog, from, (lines) => this.onLines(lines), Math.min(25, this.t.watchd.intervalMs));
    const prober = await this.locked(() => this.startProber());
    await this.firstRound(15000);
    await this.emit('started', { interval_ms: this.t.watchd.intervalMs, misses: this.t.watchd.misses, prober_pid: prober.pid });
    this.housekeeper = setInterval(() => void this.housekeeping(), 500);
  }

  /** Waits for the prober's first round; fails when it does not come, or when the lab is torn down meanwhile. */
  private async firstRound(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.rounds === 0) {
      if (Date.now() > deadline) throw new Error(`no probe round from the prober in the router within ${timeoutMs} ms (see ${this.proberLog})`);
      if (!(await readState(this.lab.name))) throw new Error('the lab is gone');
      await sleep(20);
    }
  }

  async stop(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.housekeeper) clearInterval(this.housekeeper);
    await this.tail?.stop().catch(() => {});
    await this.lab.refresh().catch(() => {}); // a revived router's prober has a new record
    const prober = this.proberRecord();
    if (prober) await this.lab.backend.stop(prober, 1000).catch(() => {});
    // a short wait: a change in flight may hold the lock (the lock is not re-entrant)
    await this.locked(async () => {
      this.lab.state.processes = this.lab.state.processes.filter((p) => p !== this.proberRecord());
    }, 1000).catch(() => {});
    await this.emit('stopped', { message: reason }).catch(() => {});
  }

  /** Under the state lock with the state read afresh; writes it back. */
  private locked<T>(fn: () => Promise<T>, timeoutMs = 15000): Promise<T> {
    return this.lab.update(fn, timeoutMs);
  }

  private proberRecord(): ProcessRecord | undefined {
    return this.lab.state.processes.find((p) => p.node === this.t.router.name && p.name === PROBER_PROCESS);
  }

  /** Starts the prober in the router (ending one a previous daemon left) and records it (call under the lock). */
  private async startProber(): Promise<ProcessRecord> {
    const old = this.proberRecord();
    if (old) await this.lab.backend.stop(old, 1000);
    const argv = [process.execPath, builtScript('watchd/prober'), '--config', JSON.stringify(proberConfig(this.t))];
    const record = await this.lab.backend.spawn(this.t.router.name, PROBER_PROCESS, argv, { logDir: logDir(this.lab.name) });
    this.lab.state.processes = [...this.lab.state.processes.filter((p) => p !== old), record];
    return record;
  }

  private onLines(lines: string[]): void {
    for (const line of lines) {
      const round = parseRound(line);
      if (round) this.queue.push(round);
    }
    if (this.queue.length > 0) void this.work();
  }

  /** Judges the queued rounds and acts on them, one batch at a time. */
  private async work(): Promise<void> {
    if (this.working || this.stopping) return;
    this.working = true;
    try {
      while (this.queue.length > 0 && !this.stopping) {
        for (const round of this.queue.splice(0)) {
          this.rounds++;
          this.lastRoundAt = Date.now();
          for (const tr of this.monitor.feed(round)) await this.emitTransition(tr);
        }
        await this.reconcile();
      }
    } catch (err) {
      await this.reportOnce(`watchd: ${(err as Error).message}`);
    } finally {
      this.working = false;
    }
  }

  private async emitTransition(tr: Transition): Promise<void> {
    const role = (node: string) => (this.monitor.servers.includes(node) ? 'server' : 'dispatcher');
    if (tr.kind === 'detected') await this.emit('detected', { node: tr.target, role: role(tr.target), misses: tr.misses, first_miss_t: tr.firstMissT, error: tr.error }, tr.at);
    else if (tr.kind === 'recovered') await this.emit('recovered', { node: tr.target, role: role(tr.target) }, tr.at);
    else if (tr.kind === 'blind') await this.emit('blind', { error: tr.error });
    else await this.emit('sighted');
  }

  /** Brings the lab in line with what the monitor knows: the function without failed servers, a working dispatcher. */
  private async reconcile(): Promise<void> {
    const state = await readState(this.lab.name);
    if (!state) return void (await this.exit('the lab is gone'));
    if (!state.watchd) return; // `up` has not recorded us yet
    const change = serverChanges(state, this.monitor);
    if (change.held.length > 0) await this.reportOnce(`${change.held.join(', ')} failed but ${change.held.length === 1 ? 'is' : 'are'} the last server(s) in the function: kept`);
    if (change.down.length + change.up.length > 0) await this.applyServers();
    const failover = dispatcherFailover(state, this.monitor);
    if (failover && failover.to === undefined) await this.reportOnce(`the active dispatcher ${failover.from} failed and no backup answers`);
    if (failover?.to) await this.failover();
  }

  /** A new alive set, decided again on the fresh state under the lock; records what watchd took out. */
  private async applyServers(): Promise<void> {
    const t0 = Date.now();
    const applied = await changeCluster(this.lab, (state, now) => {
      const c = serverChanges(state, this.monitor);
      if (c.down.length + c.up.length === 0) return undefined;
      const w = state.watchd!;
      w.down = [...w.down.filter((n) => !c.up.includes(n)), ...c.down.filter((n) => !w.down.includes(n))];
      return { next: aliveChange(state, now, c.down, c.up, 'failed'), result: c };
    }).then((c) => c && { ...c, at: Date.now() });
    if (!applied) return;
    const alive = this.lab.state.alive.map((k) => this.t.servers[k]!.name);
    // stamped when the rules were in place, not when the event is written
    await this.emit('reconfigured', { down: applied.down, up: applied.up, alive, apply_ms: applied.at - t0 }, applied.at);
  }

  /** Makes the backup dispatcher the active one: the router's plan then routes the ghost to it. */
  private async failover(): Promise<void> {
    const t0 = Date.now();
    const done = await changeCluster(this.lab, (state, now) => {
      const f = dispatcherFailover(state, this.monitor);
      if (!f?.to) return undefined;
      return { next: { ...now, activeDispatcher: f.to }, result: f };
    }).then((f) => f && { ...f, at: Date.now() });
    if (done) await this.emit('dispatcher-failover', { from: done.from, to: done.to!, apply_ms: done.at - t0 }, done.at);
  }

  /** A graceful transition in force: end it once nothing of a moved client is left on its old owner (one look at a time). */
  private async settle(): Promise<void> {
    if (this.settling) return;
    this.settling = true;
    try {
      await settleTransition(this.lab);
    } catch (err) {
      await this.emit('error', { error: `looking at the transition in force: ${(err as Error).message}` }).catch(() => {});
    } finally {
      this.settling = false;
    }
  }

  /** Every 500 ms: leave when the lab is gone; restart the prober when it died while the router is fine. */
  private async housekeeping(): Promise<void> {
    if (this.stopping) return;
    const state = await readState(this.lab.name).catch(() => undefined);
    if (!state) return void (await this.exit('the lab is gone'));
    if (state.transition) void this.settle();
    const silentMs = Date.now() - this.lastRoundAt;
    if (silentMs < Math.max(2000, 10 * this.t.watchd.intervalMs) || state.failures?.[this.t.router.name]) return;
    const restarted = await this.locked(() => restartServices(this.lab, this.t.router.name)).catch(() => []);
    const prober = restarted.find((p) => p.name === PROBER_PROCESS);
    if (prober) {
      this.lastRoundAt = Date.now();
      await this.emit('prober-restarted', { prober_pid: prober.pid, message: `no probe round for ${silentMs} ms` });
    }
  }

  private async exit(reason: string): Promise<void> {
    this.stopping = true;
    if (this.housekeeper) clearInterval(this.housekeeper);
    await this.tail?.stop().catch(() => {});
    process.stderr.write(`watchd: ${reason}; exiting\n`);
    process.exit(0);
  }

  private async reportOnce(message: string): Promise<void> {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    await this.emit('error', { message });
  }

  private async emit(kind: WatchdEventKind, fields: Omit<WatchdEvent, 't' | 'ts' | 'event'> = {}, t = Date.now()): Promise<void> {
    await appendEvent(this.events, makeEvent(kind, fields, t));
  }
}
