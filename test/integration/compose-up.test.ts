// Integration test of docker-compose.yml: `compose up` alone makes a working ONE-IP cluster, `down` leaves nothing; never skips when CI=true.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { dockerClient } from '../../src/backends/docker/client.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { dockerGateway } from '../../src/backends/docker/networks.js';
import { run } from '../../src/backends/common/run.js';
import type { ComposeFile } from '../../src/compose/render.js';
import { dispatchFunctionOf } from '../../src/dispatch/registry.js';
import { initialState } from '../../src/dispatch/types.js';
import { ensureLabImage } from '../../src/backends/docker/image/build.js';
import { projectRoot } from '../../src/util/paths.js';
import { cidrsOverlap, intToIp, ipToInt, maskOf, parseCidr } from '../../src/net/ipv4.js';
import { loadTopology } from '../../src/topology-file/load.js';

const ROOT = projectRoot();
const FILE = join(ROOT, 'docker-compose.yml');
const PROJECT = 'olabcomposetest';
const PROJECT_LABEL = `com.docker.compose.project=${PROJECT}`;
const topology = loadTopology(join(ROOT, 'topologies/routing.yaml'));

/** `docker compose` (the v2 plugin) when the CLI has it, else Debian's `docker-compose` (v1), else why neither. */
async function composeTool(): Promise<{ argv: string[]; version: string } | { reason: string }> {
  const v2 = await run('docker', ['compose', 'version'], { timeoutMs: 20000 });
  if (v2.exitCode === 0) return { argv: ['docker', 'compose'], version: v2.stdout.trim().split('\n')[0]! };
  const v1 = await run('docker-compose', ['version', '--short'], { timeoutMs: 20000 });
  if (v1.exitCode === 0) return { argv: ['docker-compose'], version: `docker-compose ${v1.stdout.trim()}` };
  return { reason: 'no compose tool: neither `docker compose` (plugin) nor `docker-compose` (apt-get install docker-compose) runs here' };
}

const engine = await dockerAvailable(5000);
const tool = engine.ok ? await composeTool() : { reason: engine.reason };

if ('reason' in tool) {
  if (process.env.CI === 'true') {
    // CI installs an engine and docker-compose (.ci/run): missing either there is a failure, never a skip
    t.fail(`the compose suite must run in CI, but ${tool.reason}`);
  } else {
    t.plan(0, `skipping the compose suite: ${tool.reason}`);
  }
} else {
  const docker = dockerClient();
  const compose = (args: string[], timeoutMs = 180_000) =>
    run('sh', ['-c', 'cd "$1" && shift && exec "$@"', 'sh', ROOT, ...tool.argv, '-p', PROJECT, '-f', FILE, ...args], { timeoutMs });
  const file = load(readFileSync(FILE, 'utf8')) as ComposeFile;
  const services = Object.keys(file.services);

  /** Our project's containers and networks, by compose's own label. */
  const leftovers = async (): Promise<string[]> => {
    const filters = { label: [PROJECT_LABEL] };
    const [cs, ns] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
    return [...cs.map((c) => c.Names[0] ?? c.Id), ...ns.map((n) => n.Name)];
  };
  /** Removes whatever an earlier (crashed) run of this test left: containers first, then networks. */
  const removeLeftovers = async (): Promise<void> => {
    await compose(['down', '--remove-orphans'], 120_000);
    const filters = { label: [PROJECT_LABEL] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
  };
  /** Docker networks (not ours) whose subnets overlap the file's: Docker would refuse ours. */
  const inTheWay = async (): Promise<string[]> => {
    const mine = Object.values(file.networks).map((n) => parseCidr(n.ipam.config[0]!.subnet));
    const out: string[] = [];
    for (const net of await docker.listNetworks()) {
      if (net.Labels?.['com.docker.compose.project'] === PROJECT) continue;
      for (const cfg of net.IPAM?.Config ?? []) {
        const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cfg.Subnet ?? '');
        if (!m) continue;
        const theirs = { base: (ipToInt(m[1]!) & maskOf(Number(m[2]))) >>> 0, prefixLength: Number(m[2]) };
        if (mine.some((c) => cidrsOverlap(c, theirs))) out.push(`${net.Name} (${cfg.Subnet})`);
      }
    }
    return out;
  };

  t.comment(`${engine.reason}; ${tool.version}`);

  t.before(async () => {
    await removeLeftovers();
    const img = await ensureLabImage();
    // the file names oneip-lab/node:latest: make it this checkout's image
    await docker.getImage(img.tag).tag({ repo: 'oneip-lab/node', tag: 'latest' });
    t.comment(`node image ${img.tag} tagged latest (${img.built ? 'built' : 'cached'})`);
    // another lab on the same subnets (e.g. a docker-backend routing lab) must finish first
    const deadline = Date.now() + 120_000;
    let blocking = await inTheWay();
    while (blocking.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      blocking = await inTheWay();
    }
    if (blocking.length > 0) throw new Error(`Docker networks ${blocking.join(', ')} overlap the compose file's subnets; remove them first`);
  });
  t.teardown(removeLeftovers);

  t.test('compose up: every node configures itself, servers answer, the ghost is dispatched CA mod n', async (t) => {
    const up = await compose(['up', '-d']);
    t.equal(up.exitCode, 0, `up -d succeeds${up.exitCode ? `: ${up.stderr.trim()}` : ''}`);
    if (up.exitCode !== 0) return;

    // every container healthy: set up, plan applied, servers answering (the file's healthchecks)
    const deadline = Date.now() + 120_000;
    let states: { service: string; state: string; health: string }[] = [];
    for (;;) {
      const list = await docker.listContainers({ all: true, filters: { label: [PROJECT_LABEL] } });
      states = await Promise.all(
        list.map(async (c) => {
          const info = await docker.getContainer(c.Id).inspect();
          return { service: c.Labels['com.docker.compose.service'] ?? '?', state: info.State.Status, health: info.State.Health?.Status ?? 'none' };
        }),
      );
      const done = states.length === services.length && states.every((s) => s.health === 'healthy');
      const dead = states.filter((s) => s.state === 'exited' || s.state === 'dead');
      if (done || dead.length > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const unhealthy = states.filter((s) => s.health !== 'healthy');
    if (states.length !== services.length || unhealthy.length > 0) {
      const logs = await compose(['logs', '--no-color', '--tail=15'], 60_000);
      t.fail(`not every service became healthy: ${JSON.stringify(states)}\n${logs.stdout}${logs.stderr}`);
      return;
    }
    t.pass(`${services.length} services healthy: ${states.map((s) => s.service).sort().join(', ')}`);

    // the containers as the file says: labels, capabilities, networks with gateway .254 and no masquerading
    const list = await docker.listContainers({ filters: { label: [PROJECT_LABEL] } });
    for (const c of list) {
      const info = await docker.getContainer(c.Id).inspect();
      const service = c.Labels['com.docker.compose.service']!;
      t.equal(info.Config.Labels['oneip-lab.name'], topology.name, `${service}: labelled with the lab`);
      t.equal(info.Config.Labels['oneip-lab.role'], topology.nodes.find((n) => n.name === service)?.role, `${service}: labelled with its role`);
      t.same([...(info.HostConfig.CapAdd ?? [])].sort(), ['NET_ADMIN', 'NET_RAW'], `${service}: NET_ADMIN and NET_RAW only`);
      t.equal(info.HostConfig.Privileged, false, `${service}: not privileged`);
    }
    for (const name of Object.keys(file.networks)) {
      const [net] = await docker.listNetworks({ filters: { label: [PROJECT_LABEL, `com.docker.compose.network=${name}`] } });
      const info = await docker.getNetwork(net!.Id).inspect();
      const subnet = topology.networks[name === 'cl' ? 'client' : 'lan'].subnet;
      const gateway = intToIp(dockerGateway(subnet));
      t.same(info.IPAM?.Config?.[0], { Subnet: subnet, Gateway: gateway }, `network ${name}: fixed subnet, gateway .254`);
      t.equal(info.Options?.['com.docker.network.bridge.enable_ip_masquerade'], 'false', `network ${name}: no masquerading`);
    }

    // inside: interfaces named after their networks, the plan's sysctls, no way out
    const exec = (service: string, script: string) => compose(['exec', '-T', service, 'sh', '-c', script], 60_000);
    const router = await exec('router', 'ip -br addr');
    t.match(router.stdout, /^cl@\S+\s+UP\s+198\.18\.0\.1\/24/m, 'router: cl named after its network');
    t.match(router.stdout, /^lan@\S+\s+UP\s+10\.0\.1\.1\/24/m, 'router: lan named after its network');
    t.notMatch(router.stdout, /^eth\d/m, 'router: no ethN left');
    const disp = await exec('dispatcher', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/lan/send_redirects /proc/sys/net/ipv4/conf/all/send_redirects');
    t.same(disp.stdout.trim().split('\n'), ['1', '0', '0'], 'dispatcher: forwards, sends no redirects (on lan too)');
    const client = await exec('client', 'ip route; ip route get 192.0.2.1 2>&1; echo "exit $?"');
    t.notMatch(client.stdout, /default/, 'client: no default route');
    t.match(client.stdout, /unreachable[\s\S]*exit [12]/i, 'client: nothing outside the lab is reachable');

    // the ghost from several client addresses (AnyIP makes the whole population local to the client)
    const fn = dispatchFunctionOf(topology);
    const state = initialState(topology.servers.length, topology.servers.map((s) => s.weight));
    const base = parseCidr(topology.clientPopulation).base;
    const addrs = [0, 1, 2, 3, 5, 6, 7, 10, 13, 100, 129, 254, 513, 4099].map((i) => intToIp((base + i) >>> 0));
    const loop = `for a in ${addrs.join(' ')}; do printf '%s ' "$a"; curl -s --max-time 3 --interface "$a" http://${topology.ghost}/ || echo FAIL; done`;
    const got = await exec('client', loop);
    const answers = new Map(got.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    const seen = new Set<string>();
    for (const a of addrs) {
      const want = topology.servers[fn.predict(ipToInt(a), state)]!.name;
      t.equal(answers.get(a), want, `${a} -> ${want} (CA mod ${topology.servers.length})`);
      seen.add(want);
    }
    t.equal(seen.size, topology.servers.length, 'every server took some clients');
  });

  t.test('compose down leaves nothing of the project', async (t) => {
    const down = await compose(['down']);
    t.equal(down.exitCode, 0, `down succeeds${down.exitCode ? `: ${down.stderr.trim()}` : ''}`);
    t.same(await leftovers(), [], 'no container, no network left');
  });
}
