// `lab logs watchd|NODE`: watchd's events (readable or --json), or the logs of a node's processes; --follow keeps printing.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readHostLog } from '../../backends/host-log.js';
import { UsageError } from '../../lab/errors.js';
import { logDir } from '../../lab/paths.js';
import { RunningLab } from '../../lab/running-lab.js';
import { findLab, type LabState } from '../../lab/state.js';
import { eventsFile, formatEvent, readEvents, type WatchdEvent } from '../../watchd/events.js';
import { LineTail, type LogReader } from '../../watchd/tail.js';

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

/** Prints new lines of a log until the process is interrupted. */
async function follow(file: string | LogReader, from: number, print: (line: string) => void): Promise<void> {
  const tail = new LineTail(file, from, (lines) => lines.forEach(print));
  tail.start(100);
  await new Promise<void>((resolve) => process.once('SIGINT', () => (tail.stop(), resolve())));
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

/** `<node>-*.log` of the lab (or one file, `<node>-<process>`). */
async function nodeLogFiles(state: LabState, source: string): Promise<string[]> {
  const dir = logDir(state.name);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f === `${source}.log` || f.startsWith(`${source}-`)).sort();
  if (files.length === 0) {
    const nodes = state.topology.nodes.map((n) => n.name).join(', ');
    throw new UsageError(`logs: no log of "${source}" in lab "${state.name}" (give watchd, a node: ${nodes}, or NODE-PROCESS)`);
  }
  return files.map((f) => join(dir, f));
}

/** One log of a node's process: its name and a reader (a host file, or a file inside the node). */
interface NodeLog {
  name: string;
  read: LogReader;
}

/** The logs of `source`: host files in the lab's log folder, or (a remote engine) the recorded processes' logs read through the backend. */
async function nodeLogSources(state: LabState, source: string): Promise<NodeLog[]> {
  const lab = new RunningLab(state);
  if (lab.backend.logsOnHost) {
    return (await nodeLogFiles(state, source)).map((file) => ({ name: file, read: (o: number) => readHostLog(file, o) }));
  }
  const mine = state.processes.filter((p) => p.node === source || `${p.node}-${p.name}` === source);
  if (mine.length === 0) throw new UsageError(`logs: no process of "${source}" in lab "${state.name}" (give watchd, a node, or NODE-PROCESS)`);
  return mine.map((p) => ({ name: `${p.node}:${p.logFile}`, read: (o: number) => lab.backend.readLog(p.node, p.logFile, o) }));
}

async function nodeLogs(state: LabState, source: string, opts: LogsOptions): Promise<void> {
  const logs = await nodeLogSources(state, source);
  let end = 0;
  for (const log of logs) {
    if (logs.length > 1) console.log(`==> ${log.name} <==`);
    const chunk = await log.read(0);
    end = chunk?.size ?? 0;
    const lines = (chunk?.data.toString('utf8') ?? '').split('\n').filter(Boolean);
    for (const line of lastN(lines, opts.lines)) console.log(line);
  }
  if (opts.follow) {
    if (logs.length > 1) throw new UsageError('logs: --follow takes one log: give NODE-PROCESS (e.g. s0-http)');
    await follow(logs[0]!.read, end, (line) => console.log(line));
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
      const state = await findLab(opts.name);
      if (source === 'watchd') await watchdLogs(state, opts);
      else await nodeLogs(state, source, opts);
    });
}
