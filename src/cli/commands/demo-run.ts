// What `lab demo` runs (loaded when it runs): per scheme, a 4-server cluster up, shown, HTTP load through the ghost, a server killed and revived under load, down.
import type { BackendChoice } from '../../topology/types.js';
import { join, resolve } from 'node:path';
import { runBench } from '../../lab/bench.js';
import { downLab } from '../../lab/down.js';
import { projectRoot } from '../../util/paths.js';
import { upLab, SERVER_PORT } from '../../lab/up.js';
import { parseScenario } from '../../scenario/load.js';
import { runScenarioOn } from '../../scenario/run.js';
import { loadTopology } from '../../topology-file/load.js';
import { table } from '../../present/output.js';
import { progress } from '../spinner.js';
import { printBench } from '../../present/bench.js';
import { phaseTable } from '../../present/scenario.js';
import { printStatus } from '../../present/status.js';
import type { RunningLab } from '../../lab/running-lab.js';
import { scheme as schemeNamed, type SchemeName } from '../../schemes/registry.js';

/** The paper's two schemes, each with its shipped topology (topologies/NAME.yaml). */
export const DEMO_SCHEMES: SchemeName[] = ['routing', 'broadcast'];

async function showReachability(lab: RunningLab): Promise<void> {
  const t = lab.state.topology;
  const direct = await lab.probe('client', t.servers.map((s) => `http://${s.address}:${SERVER_PORT}/`));
  console.log("\nfrom the client to each server's primary address:");
  console.log(table(['url', 'answered by', 'ok'], direct.map((r) => [r.url, r.servedBy ?? '-', r.ok ? 'yes' : (r.error ?? String(r.status))])));
}

/** The failure part: s1 killed under load, then revived, as a scenario whose assertions are printed. */
function failureScenario(scheme: SchemeName, seconds: number) {
  const at = (f: number): string => `${(seconds * f).toFixed(1)}s`;
  const text = `topology: ../topologies/${scheme}.yaml
load: {duration: ${seconds}s, rate: 500, mode: close, clients: 1000}
phase: before
timeline:
  - {at: ${at(1 / 3)}, do: kill s1, phase: during}
  - {at: ${at(2 / 3)}, do: revive s1, phase: after}
assert:
  - accounted
  - no-errors: {clients-of: [s0, s2, s3]}
  - errors-only-in-transitions
  - follows-model
  - failover: {node: s1}
`;
  return parseScenario(text, join(projectRoot(), 'scenarios', `demo-${scheme}.yaml`));
}

async function demoFailure(lab: RunningLab, scheme: SchemeName, seconds: number): Promise<void> {
  const s = failureScenario(scheme, seconds);
  const [kill, revive] = s.timeline;
  console.log(`\nA server failure under load (paper 6.3): 500 req/s for ${seconds} s; s1 killed at ${kill!.atMs / 1000} s, revived at ${revive!.atMs / 1000} s; watchd changes the function both times.`);
  const spin = progress('demo: failure under load');
  const r = await runScenarioOn(lab, s, { onStep: (t) => spin.step(`demo: ${t}`), onProgress: (p) => spin.step(`demo: load ${(p.elapsed_ms / 1000).toFixed(0)} s, ${p.ok} ok, ${p.errors} errors`) });
  spin.succeed('demo: failure and recovery done');
  console.log(`requests: ${r.requests.sent} sent = ${r.requests.ok} ok + ${r.requests.errors} errors`);
  console.log('answers per server before, during and after the failure (requests by their start):');
  console.log(phaseTable(r));
  for (const f of r.failovers) console.log(`failover: ${f.action} -> watchd took it out after ${f.ms} ms`);
  console.log(`requests broken when s1's clients moved back: ${r.broken_by_change_back}`);
  for (const a of r.assertions) console.log(`${a.pass ? 'PASS' : 'FAIL'}  ${a.name}: ${a.detail}`);
  if (!r.passed) process.exitCode = 1;
}

export async function demoScheme(scheme: SchemeName, labName: string, duration: string, failureSeconds: number, backend?: BackendChoice): Promise<void> {
  const file = resolve(projectRoot(), 'topologies', `${scheme}.yaml`);
  const t = loadTopology(file);
  const spin = progress(`demo: bringing up the ${scheme} cluster`);
  const lab = await upLab(t, file, { name: labName, onStep: spin.step, ...(backend ? { backend } : {}) });
  spin.succeed(`demo: ${scheme} cluster is up`);
  try {
    console.log(`\n=== ${schemeNamed(scheme).title} ===`);
    printStatus(lab.state);
    await showReachability(lab);
    const bench = progress(`demo: ${duration} of HTTP load through the ghost ${t.ghost}`);
    const r = await runBench(lab, { duration, concurrency: '32', mode: 'close', clients: '1000' }, (p) => bench.step(`demo: load ${(p.elapsed_ms / 1000).toFixed(0)} s, ${p.ok} ok`));
    bench.succeed(`demo: load done`);
    console.log(`\nHTTP load through the ghost from 1000 client addresses (each server's share next to the model's, k = CA mod ${t.servers.length}):`);
    printBench(r);
    if (failureSeconds > 0) await demoFailure(lab, scheme, failureSeconds);
  } finally {
    await downLab(labName);
    console.log(`lab "${labName}" removed`);
  }
}
