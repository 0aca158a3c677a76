// `lab logs watchd|NODE`: watchd's events (readable or --json), or the logs of a node's processes; --follow keeps printing.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';
import { logDir } from '../../lab/paths.js';
import type { LabState } from '../../lab/state.js';
import { LineTail } from '../../util/line-tail.js';
import { eventsFile, formatEvent, readEvents, type WatchdEvent } from '../../lab/watchd-events.js';

interface LogsOptions {
  name?: string;
  json?: boolean;
  lines?: string;
  follow?: boolean;
}

function lastN<T>(items: T[], lines: string | undefined): T[] {
  if (lines === undefined) return items;
  if (!/^\d+$/.test(lines)) throw new UsageError(`logs: --lines must be a whole number, got "${lines}"`);
  return Number(lines) === 0 ? [] : items.slice(-Number(lines));
}

function showEvent(e: WatchdEvent, json: boolean): void {
  console.log(json ? JSON.stringify(e) : formatEvent(e));
}

function interrupted(): Promise<void> {
  return new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}

/** Prints new lines of a host file until the process is interrupted. */
async function follow(file: string, from: number, print: (line: string) => void): Promise<void> {
  const tail = new LineTail(file, from, (lines) => lines.forEach(print));
  tail.start(100);
  await interrupted();
  tail.stop();
}

async function watchdLogs(state: LabState, opts: LogsOptions): Promise<void> {
  const file = eventsFile(state.name);
  for (const e of lastN(await readEvents(file), opts.lines)) showEvent(e, Boolean(opts.json));
  if (opts.follow) {
    await follow(file, await LineTail.endOf(file), (line) => {
      const e = JSON.parse(line) as WatchdEvent;
      showEvent(e, Boolean(opts.json));
    });
  }
}

/** One log of a node's process: what to call it, and where it is (read through the backend). */
interface NodeLog {
  name: string;
  node: string;
  file: string;
}

/**
 * The logs of `source` (a node, or NODE-PROCESS): the files in the lab's log folder on the host (`<node>-*.log`,
 * there when the backend's logs are host files, also of processes no longer recorded), and the recorded
 * processes' logs wherever they are (inside the nodes, with a remote engine).
 */
async function nodeLogSources(state: LabState, source: string): Promise<NodeLog[]> {
  const dir = logDir(state.name);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f === `${source}.log` || f.startsWith(`${source}-`)).sort();
  // node names hold no dash: a log file's node is the part before the first one
  const inFolder = files.map((f) => ({ name: join(dir, f), node: f.replace(/\.log$/, '').split('-')[0]!, file: join(dir, f) }));
  const seen = new Set(inFolder.map((l) => l.file));
  const recorded = state.processes
    .filter((p) => (p.node === source || `${p.node}-${p.name}` === source) && !seen.has(p.logFile))
    .map((p) => ({ name: `${p.node}:${p.logFile}`, node: p.node, file: p.logFile }));
  const logs = [...inFolder, ...recorded];
  if (logs.length === 0) {
    const nodes = state.topology.nodes.map((n) => n.name).join(', ');
    throw new UsageError(`logs: no log of "${source}" in lab "${state.name}" (give watchd, a node: ${nodes}, or NODE-PROCESS)`);
  }
  return logs;
}

async function nodeLogs(state: LabState, source: string, opts: LogsOptions): Promise<void> {
  const logs = await nodeLogSources(state, source);
  const [{ RunningLab }, { followLog }] = await Promise.all([import('../../lab/running-lab.js'), import('../../lab/log-follow.js')]);
  const { backend } = new RunningLab(state);
  let end = 0;
  for (const log of logs) {
    if (logs.length > 1) console.log(`==> ${log.name} <==`);
    const chunk = await backend.readLog(log.node, log.file, 0);
    end = chunk?.size ?? 0;
    const lines = (chunk?.data.toString('utf8') ?? '').split('\n').filter(Boolean);
    for (const line of lastN(lines, opts.lines)) console.log(line);
  }
  if (opts.follow) {
    if (logs.length > 1) throw new UsageError('logs: --follow takes one log: give NODE-PROCESS (e.g. s0-http)');
    const log = logs[0]!;
    const tail = await followLog(backend, log.node, log.file, end, (lines) => lines.forEach((line) => console.log(line)), 100);
    await interrupted();
    await tail.stop();
  }
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("watchd's events (detected, reconfigured, recovered, dispatcher-failover), or the logs of a node's processes")
    .argument('<source>', 'watchd, a node (s0), or NODE-PROCESS (s0-http, router-watchd-probe)')
    .option('--name <name>', 'lab name (default: the only running lab)')
    .option('--json', 'watchd: one JSON event a line')
    .option('-n, --lines <n>', 'only the last N lines')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action(async (source: string, opts: LogsOptions) => {
      const { findLab } = await import('../../lab/state.js');
      const state = await findLab(opts.name);
      if (source === 'watchd') await watchdLogs(state, opts);
      else await nodeLogs(state, source, opts);
    });
}
