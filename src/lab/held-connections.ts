// Keep-alive connections held open from the client node across changes of the function (tests, bench:transition).
import type { ProcessRecord } from '../backends/backend.js';
import type { HeldConnection } from '../server/hold.js';
import { builtScript } from '../util/paths.js';
import { LabError } from '../util/errors.js';
import { waitFor } from '../util/poll.js';
import { logDir } from './paths.js';
import type { RunningLab } from './running-lab.js';

export type { HeldConnection };

export interface Holding {
  /** connections established when it reported ready */
  ready: number;
  /** stops the requests, closes the connections, returns one record per connection */
  stop(): Promise<HeldConnection[]>;
}

let serial = 0;

/** Opens one keep-alive connection to the ghost from each address, a request on each every intervalMs; resolves once all are open. */
export async function holdConnections(lab: RunningLab, clients: string[], intervalMs = 200): Promise<Holding> {
  const t = lab.state.topology;
  const argv = [process.execPath, builtScript('server/hold'), '--target', t.ghost, '--from', clients.join(','), '--interval', String(intervalMs)];
  const record = await lab.backend.spawn(t.client.name, `hold${++serial}`, argv, { logDir: logDir(lab.name) });
  const lines = async (): Promise<unknown[]> => {
    const chunk = await lab.backend.readLog(t.client.name, record.logFile, 0);
    return (chunk?.data.toString() ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as unknown);
  };
  const ready = await waitFor(`${clients.length} keep-alive connections to open from ${t.client.name}`, async () => {
    const r = (await lines()).find((x): x is { ready: number } => typeof (x as { ready?: number }).ready === 'number');
    if (r) return r.ready;
    if (!(await lab.backend.isRunning(record))) throw new LabError(`the connection holder exited early: ${await tailOf(lab, record)}`);
    return undefined;
  }, 30000, 50);
  return { ready, stop: () => stopHolding(lab, record, lines) };
}

async function tailOf(lab: RunningLab, record: ProcessRecord): Promise<string> {
  const chunk = await lab.backend.readLog(record.node, record.logFile, 0);
  return (chunk?.data.toString() ?? '').trim().split('\n').slice(-3).join(' | ');
}

async function stopHolding(lab: RunningLab, record: ProcessRecord, lines: () => Promise<unknown[]>): Promise<HeldConnection[]> {
  await lab.backend.stop(record, 10000);
  const all = await lines();
  if (!all.some((x) => (x as { done?: boolean }).done)) throw new LabError(`the connection holder did not report its connections: ${await tailOf(lab, record)}`);
  return all.filter((x): x is HeldConnection => typeof (x as HeldConnection).client === 'string');
}
