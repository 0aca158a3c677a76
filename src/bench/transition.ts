// Benchmark (not a test): connections broken per change of the function, graceful vs abrupt, both schemes, side by side from one run;
// and the packets the routing scheme's second-chance rule passed on to old owners.
import { parseArgs } from 'node:util';
import { changeAlive } from '../lab/dispatch-control.js';
import { downLab } from '../lab/down.js';
import { holdConnections, type HeldConnection } from '../lab/held-connections.js';
import type { RunningLab } from '../lab/running-lab.js';
import { scaleLab } from '../lab/scale.js';
import { upLab } from '../lab/up.js';
import { cidrSize, intToIp, parseCidr } from '../net/ipv4.js';
import { table } from '../present/output.js';
import { SECOND_CHANCE_COMMENT } from '../schemes/transition-steps.js';
import { parseTopology } from '../topology-file/load.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '200' }, backend: { type: 'string', default: 'netns' }, function: { type: 'string', default: 'modulo' } } });
const HELD = Number(values.connections);
const LAB = 'benchtr';

interface Change {
  name: string;
  /** does the change; returns nothing */
  run(lab: RunningLab): Promise<unknown>;
}

const CHANGES: Change[] = [
  { name: 'scale 4 -> 5', run: (lab) => scaleLab(lab, 5) },
  { name: 'drain s1', run: (lab) => changeAlive(lab, ['s1'], []) },
  { name: 'put s1 back', run: (lab) => changeAlive(lab, [], ['s1']) },
];

function clients(population: string, count: number): string[] {
  const c = parseCidr(population);
  const step = Math.floor((cidrSize(c) - 2) / count);
  return Array.from({ length: count }, (_, i) => intToIp(c.base + 1 + i * step));
}

/** Packets the second-chance rules of every server passed on (their counters, read while the transition is in force). */
async function secondChancePackets(lab: RunningLab): Promise<number> {
  let sum = 0;
  for (const s of lab.state.topology.servers) {
    const r = await lab.exec(s.name, ['nft', 'list', 'table', 'ip', 'oneip_second']);
    for (const line of r.stdout.split('\n')) if (line.includes(SECOND_CHANCE_COMMENT)) sum += Number(/counter packets (\d+)/.exec(line)?.[1] ?? 0);
  }
  return sum;
}

/** One lab: hold connections across one change, count the broken ones (and the second-chance packets). */
async function measure(scheme: string, transition: string, change: Change): Promise<{ broken: number; requests: number; passed: number | string }> {
  // no watchd: the changes are made by hand, and no transition ends before the connections are counted
  const t = parseTopology(`name: ${LAB}\nscheme: ${scheme}\ntransition: ${transition}\ndispatch: {function: ${values.function}}\nwatchd: {enabled: false}\n`, '<bench:transition>');
  await downLab(LAB).catch(() => {});
  const lab = await upLab(t, '<bench:transition>', { name: LAB, backend: values.backend as 'netns' | 'docker' });
  try {
    if (change.name === 'put s1 back') await changeAlive(lab, ['s1'], []);
    const held = await holdConnections(lab, clients(t.clientPopulation, HELD));
    await change.run(lab);
    await new Promise((r) => setTimeout(r, 1500));
    const passed = scheme === 'routing' && transition === 'graceful' ? await secondChancePackets(lab) : '-';
    const records: HeldConnection[] = await held.stop();
    return { broken: records.filter((c) => c.broken !== null).length, requests: records.reduce((s, c) => s + c.requests, 0), passed };
  } finally {
    await downLab(LAB);
  }
}

const rows: (string | number)[][] = [];
for (const change of CHANGES) {
  for (const scheme of ['routing', 'broadcast']) {
    const graceful = await measure(scheme, 'graceful', change);
    const abrupt = await measure(scheme, 'abrupt', change);
    rows.push([change.name, scheme, `${graceful.broken} / ${HELD}`, `${abrupt.broken} / ${HELD}`, graceful.passed, `${graceful.requests} / ${abrupt.requests}`]);
  }
}
console.log(`${HELD} keep-alive connections (a request every 200 ms each) held across one change; ${values.backend} backend, ${values.function} function`);
console.log(table(['change', 'scheme', 'broken, graceful', 'broken, abrupt', 'second-chance packets', 'requests answered (graceful / abrupt)'], rows));
