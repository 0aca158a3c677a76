// Test helper of the backend contract suite: one case per backend (netns, Docker) with what the shared checks need to know of it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, LabSpec } from '../../src/backends/backend.js';
import { run } from '../../src/backends/common/run.js';
import { cleanDockerLabs, labObjects, listDockerLabs } from '../../src/backends/docker/clean.js';
import { dockerClient } from '../../src/backends/docker/client.js';
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { ensureLabImage } from '../../src/backends/docker/image/build.js';
import { cleanNetnsLabs, listLabNamespaces, listNetnsLabs } from '../../src/backends/netns/clean.js';
import { NetnsBackend } from '../../src/backends/netns/netns-backend.js';
import { waitFor, type Nets, type Wait } from './backend-checks.js';
import { dockerFarmLab, dockerNets, dockerSmallLab } from './docker-lab-spec.js';
import { farmLab, SMALL_NETS, smallLab } from './netns-lab-spec.js';

export interface ContractCase {
  kind: 'netns' | 'docker';
  /** why the backend cannot be tested here, or '' */
  unavailable: string;
  /** CI installs what this backend needs: not finding it there is a failure, never a skip */
  mustRunInCi: boolean;
  /** three lab names of this suite, used by no other test file */
  labs: readonly [string, string, string];
  /** host folder for spawned processes' logs */
  logDir: string;
  /** waits with the backend's patience (Docker is slower to start things) */
  wait: Wait;
  /** before the suite: a clean slate (and the node image); returns a comment */
  setup(): Promise<string>;
  teardown(): Promise<void>;
  make(lab: string): Backend;
  /** the small lab (h1, h2 | r | h3) in slot 0 or 1, and its networks */
  small(lab: string, slot: number): { spec: LabSpec; nets: Nets };
  /** client, router, dispatcher and `servers` servers s0.. on network lan */
  farm(lab: string, servers: number): LabSpec;
  farmSizes: number[];
  /** a farm's create must take less than this */
  farmBudgetMs: number;
  /** labs the backend's listing shows */
  listLabs(): Promise<string[]>;
  /** the named objects of a lab that exist (namespaces; containers and networks) */
  objects(lab: string): Promise<string[]>;
  /** everything of a lab that exists: its objects and anything else it put on the host (Docker: NOTRACK rules) */
  leftovers(lab: string): Promise<string[]>;
  /** the backend's clean: the labs that had something to remove */
  clean(labs: string[]): Promise<string[]>;
  /** host pids of every process inside the lab */
  hostPids(lab: string): Promise<number[]>;
  /** a small lab with its servers has at least this many host processes (Docker: tini and sleep per container too) */
  minPids: number;
  /** how far a killed create had got, for the test's comments */
  census(lab: string): Promise<string>;
  /** the kill-during-create test: servers of its farm, when to kill the creator after it said "start", the creator's further arguments */
  crash: { servers: number; delaysMs: number[]; childArgs: string[] };
}

/** Why the netns backend cannot run here ('' when it can): it needs root and iproute2. */
export function netnsUnavailable(): string {
  if (process.getuid?.() !== 0) return 'the netns backend needs root (network namespaces)';
  if (!['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p))) return 'iproute2 (ip) is not installed';
  return '';
}

function netnsCase(): ContractCase {
  const unavailable = netnsUnavailable();
  const labs = ['tcn1', 'tcn2', 'tcn3'] as const;
  const logDir = unavailable ? '' : mkdtempSync(join(tmpdir(), 'olab-contract-netns-'));
  const namespacePids = async (lab: string): Promise<number[]> => {
    const pids: number[] = [];
    for (const ns of await listLabNamespaces(lab)) pids.push(...(await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean).map(Number));
    return pids;
  };
  return {
    kind: 'netns',
    unavailable,
    mustRunInCi: false,
    labs,
    logDir,
    wait: (what, fn) => waitFor(what, fn),
    setup: async () => {
      await cleanNetnsLabs([...labs]);
      return 'netns backend';
    },
    teardown: async () => {
      await cleanNetnsLabs([...labs]);
      rmSync(logDir, { recursive: true, force: true });
    },
    make: (lab) => new NetnsBackend(lab),
    small: (lab) => ({ spec: smallLab(lab), nets: SMALL_NETS }),
    farm: farmLab,
    farmSizes: [16],
    farmBudgetMs: 3000,
    listLabs: listNetnsLabs,
    objects: listLabNamespaces,
    leftovers: listLabNamespaces,
    clean: cleanNetnsLabs,
    hostPids: namespacePids,
    minPids: 4,
    census: async (lab) => {
      const namespaces = await listLabNamespaces(lab);
      const sw = `olab-${lab}-sw`;
      const ports = namespaces.includes(sw) ? (await run('ip', ['-n', sw, '-o', 'link', 'show', 'type', 'veth'])).stdout.split('\n').filter(Boolean).length : 0;
      return `${namespaces.length} namespaces, ${ports} switch ports`;
    },
    crash: { servers: 16, delaysMs: [0, 10, 15, 20, 30, 50, 100, 200, 600], childArgs: [] },
  };
}

/** The lab's NOTRACK rules in the host's raw table. */
export async function hostRules(lab: string): Promise<string[]> {
  const r = await run('iptables', ['-w', '-t', 'raw', '-S', 'PREROUTING']);
  return r.stdout.split('\n').filter((l) => l.includes(`"oneip-lab:${lab}"`));
}

/** Containers, networks and host rules of the lab that still exist. */
export async function dockerLeftovers(lab: string): Promise<string[]> {
  const o = await labObjects(lab);
  return [...o.containers, ...o.networks].map((x) => x.name).concat(await hostRules(lab));
}

/** Host pids of every process in the lab's containers (docker top). */
export async function containerPids(lab: string): Promise<number[]> {
  const docker = dockerClient();
  const pids: number[] = [];
  for (const c of (await labObjects(lab)).containers) {
    const top = await docker.getContainer(c.id).top({ ps_args: '-o pid' }).catch(() => ({ Processes: [] as string[][] }));
    for (const row of top.Processes ?? []) pids.push(Number(row[0]));
  }
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}

async function dockerCase(): Promise<ContractCase> {
  const engine = await dockerAvailable(5000);
  const labs = ['tcd1', 'tcd2', 'tcd3'] as const;
  // the folder shared with the containers: logs must lie inside it
  const shareDir = engine.ok ? mkdtempSync(join(tmpdir(), 'olab-contract-docker-')) : '';
  // slots 2 and 3 (10.78.5-8.0/24): apart from docker-backend.test.ts's and docker-ssh.test.ts's labs
  const slot = (n: number): number => n + 2;
  return {
    kind: 'docker',
    unavailable: engine.ok ? '' : engine.reason,
    mustRunInCi: true,
    labs,
    logDir: join(shareDir, 'logs'),
    wait: (what, fn) => waitFor(what, fn, 20000, 100),
    setup: async () => {
      await cleanDockerLabs([...labs]);
      const img = await ensureLabImage();
      const how = img.built ? `built (${img.method}) in ${img.seconds.toFixed(1)} s` : `cached (${(img.seconds * 1000).toFixed(0)} ms)`;
      return `${engine.reason}; node image ${img.tag}: ${how}`;
    },
    teardown: async () => {
      await cleanDockerLabs([...labs]);
      rmSync(shareDir, { recursive: true, force: true });
    },
    make: (lab) => new DockerBackend(lab, { shareDir }),
    small: (lab, n) => ({ spec: dockerSmallLab(lab, slot(n)), nets: dockerNets(slot(n)) }),
    farm: dockerFarmLab,
    farmSizes: [4, 16],
    farmBudgetMs: 120_000,
    listLabs: () => listDockerLabs(),
    objects: async (lab) => {
      const o = await labObjects(lab);
      return [...o.containers, ...o.networks].map((x) => x.name).sort();
    },
    leftovers: dockerLeftovers,
    clean: (l) => cleanDockerLabs(l),
    hostPids: containerPids,
    minPids: 8,
    census: async (lab) => {
      const o = await labObjects(lab);
      return `${o.networks.length} networks, ${o.containers.length} containers`;
    },
    crash: { servers: 8, delaysMs: [0, 100, 300, 700, 1500, 3000], childArgs: [shareDir] },
  };
}

/** The backends the contract suite runs on. */
export async function contractCases(): Promise<ContractCase[]> {
  return [netnsCase(), await dockerCase()];
}
