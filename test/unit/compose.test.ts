// Unit tests of the compose generator: the checked-in docker-compose.yml is current, and its structure (no engine needed).
import t from 'tap';
import { ROUTER_SPEC } from '../helpers/router-node-spec.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { NodeSpec } from '../../src/backends/backend.js';
import { nodeSetupScript } from '../../src/backends/docker/node-setup.js';
import { RESPONDER_JS, READY_FILE } from '../../src/compose/node-script.js';
import { COMPOSE_IMAGE, composeModel, escapeInterpolation, renderCompose, type ComposeFile } from '../../src/compose/render.js';
import { ComposeError, composeSysctls, sysctlCheckLines } from '../../src/compose/sysctls.js';
import { dispatchFunction } from '../../src/dispatch/registry.js';
import { initialState } from '../../src/dispatch/types.js';
import { initialClusterState } from '../../src/schemes/cluster-state.js';
import { projectRoot } from '../../src/util/paths.js';
import { ipToInt } from '../../src/net/ipv4.js';
import { renderSteps } from '../../src/plan/types.js';
import { planLab } from '../../src/schemes/plan-lab.js';
import { parseTopology, loadTopology } from '../../src/topology-file/load.js';

const root = projectRoot();
const ROUTING = 'topologies/routing.yaml';
const routing = loadTopology(join(root, ROUTING));

/** The start script of a service as the container runs it (compose turns `$$` back into `$`). */
function script(file: ComposeFile, service: string): string {
  const cmd = file.services[service]!.command;
  return cmd[2]!.replace(/\$\$/g, '$');
}

t.test('docker-compose.yml is renderCompose(topologies/routing.yaml): regenerate it when this fails', async (t) => {
  const checkedIn = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  const fresh = renderCompose(routing, { source: ROUTING });
  t.equal(checkedIn, fresh, 'current (when stale: `./lab compose -t topologies/routing.yaml -o docker-compose.yml`, and commit it)');
  t.same(load(checkedIn), composeModel(routing, { source: ROUTING }), 'the YAML reads back as the model');
});

t.test('networks: bridge, fixed subnets, gateway .254, no masquerade, labelled', async (t) => {
  const file = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  t.same(Object.keys(file).sort(), ['networks', 'services'], 'only services and networks: no version, no project name');
  t.same(file.networks, {
    cl: {
      driver: 'bridge',
      driver_opts: { 'com.docker.network.bridge.enable_ip_masquerade': 'false', 'com.docker.network.bridge.enable_icc': 'true' },
      ipam: { driver: 'default', config: [{ subnet: '198.18.0.0/24', gateway: '198.18.0.254' }] },
      labels: { 'oneip-lab.name': 'routing', 'oneip-lab.role': 'network', 'oneip-lab.network': 'cl' },
    },
    lan: {
      driver: 'bridge',
      driver_opts: { 'com.docker.network.bridge.enable_ip_masquerade': 'false', 'com.docker.network.bridge.enable_icc': 'true' },
      ipam: { driver: 'default', config: [{ subnet: '10.0.1.0/24', gateway: '10.0.1.254' }] },
      labels: { 'oneip-lab.name': 'routing', 'oneip-lab.role': 'network', 'oneip-lab.network': 'lan' },
    },
  });
});

t.test('services: one per node, image, labels, capabilities, addresses, sysctls', async (t) => {
  const file = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  t.same(Object.keys(file.services), routing.nodes.map((n) => n.name), 'client, router, dispatcher, s0..s3 in topology order');
  for (const node of routing.nodes) {
    const s = file.services[node.name]!;
    t.equal(s.image, COMPOSE_IMAGE, `${node.name}: the node image`);
    t.equal(COMPOSE_IMAGE, 'oneip-lab/node:latest');
    t.equal(s.hostname, node.name);
    t.same(s.labels, { 'oneip-lab.name': 'routing', 'oneip-lab.role': node.role, 'oneip-lab.node': node.name }, `${node.name}: labels`);
    t.same(s.cap_add, ['NET_ADMIN', 'NET_RAW'], `${node.name}: NET_ADMIN and NET_RAW only`);
    t.notOk('privileged' in s || 'network_mode' in s || 'volumes' in s || 'ports' in s, `${node.name}: not privileged, no mounts, no ports`);
    t.same(s.networks, Object.fromEntries(node.interfaces.map((i) => [i.network, { ipv4_address: i.address }])), `${node.name}: fixed addresses`);
    t.same(s.entrypoint, ['/usr/bin/tini', '--']);
    t.equal(s.restart, 'no');
    for (const [k, v] of Object.entries(s.sysctls)) {
      t.type(v, 'string', `${node.name}: ${k} is a string`);
      t.notMatch(k, /\.(cl|lan)\./, `${node.name}: ${k} names no lab interface (they do not exist under that name at start)`);
    }
    t.equal(s.sysctls['net.ipv6.conf.all.disable_ipv6'], '1', `${node.name}: IPv6 off`);
  }
  t.equal(file.services.router!.sysctls['net.ipv4.ip_forward'], '1', 'the router forwards');
  t.equal(file.services.dispatcher!.sysctls['net.ipv4.ip_forward'], '1', 'the dispatcher forwards');
  t.equal(file.services.dispatcher!.sysctls['net.ipv4.conf.eth0.send_redirects'], '0', 'conf.lan of a one-interface node is eth0');
  t.equal(file.services.s0!.sysctls['net.ipv4.ip_forward'], '0', 'servers do not forward');
  t.equal(file.services.s0!.sysctls['net.ipv4.conf.all.arp_ignore'], '1');
  t.equal(file.services.client!.sysctls['net.ipv4.ip_forward'], '0');
});

t.test('start scripts: setup, sysctl checks, the plan, then the responder or sleep', async (t) => {
  const file = composeModel(routing, { source: ROUTING });
  const plan = planLab(routing, initialClusterState(routing));
  for (const p of plan.nodes) {
    const s = file.services[p.node]!;
    const raw = s.command[2]!;
    t.same(s.command.slice(0, 2), ['sh', '-c']);
    t.notMatch(raw.replace(/\$\$/g, ''), /\$/, `${p.node}: every $ is doubled for compose's interpolation`);
    const text = script(file, p.node);
    t.match(text, /^# oneip-lab node .*\nset -e\n/, `${p.node}: stops at the first failing step`);
    const node = routing.nodes.find((n) => n.name === p.node)!;
    const setup = nodeSetupScript(
      node.interfaces.map((i) => ({ name: i.name, network: i.network, address: `${i.address}/${i.prefixLength}` })),
      () => 24,
    ).replace(/^set -e\n/, '');
    t.ok(text.includes(setup), `${p.node}: the Docker backend's setup script (interfaces named by address, no way out)`);
    t.ok(text.includes(renderSteps(p.steps)), `${p.node}: its whole plan, as ./lab plan prints it`);
    t.ok(text.indexOf(setup) < text.indexOf(renderSteps(p.steps)), `${p.node}: interfaces named before the plan uses them`);
    for (const [k, v] of Object.entries(p.sysctls)) t.ok(text.includes(`want ${k.replace(/\./g, '/')} ${v}\n`), `${p.node}: checks ${k}=${v}`);
    t.ok(text.includes(`touch ${READY_FILE}\n`), `${p.node}: marks itself ready`);
    const server = routing.servers.some((x) => x.name === p.node);
    if (server) {
      t.match(text, new RegExp(`\\nexec node -e '[^']+' ${p.node} 80\\n$`), `${p.node}: ends serving HTTP on port 80`);
      t.match(s.healthcheck.test.join(' '), /curl -sf .*http:\/\/127\.0\.0\.1:80\/health/, `${p.node}: healthy when it answers`);
    } else {
      t.match(text, /\nexec sleep infinity\n$/, `${p.node}: stays up`);
      t.same(s.healthcheck.test, ['CMD-SHELL', `test -e ${READY_FILE}`]);
    }
  }
});

t.test('the inline responder: plain JavaScript, no quote or $ to escape', async (t) => {
  t.notMatch(RESPONDER_JS, /['$]/);
  t.doesNotThrow(() => new Function('require', 'process', 'Buffer', 'console', RESPONDER_JS), 'parses');
  t.equal(escapeInterpolation('a $b ${c} $$'), 'a $$b $${c} $$$$');
});

t.test('composeSysctls: per-interface keys for compose (all interfaces exist at start, in no fixed order)', async (t) => {
  const router = ROUTER_SPEC;
  const one: NodeSpec = { ...router, name: 's0', interfaces: [router.interfaces[1]!] };
  t.same(composeSysctls({ ...router, sysctls: {} }), {
    'net.ipv4.ip_forward': '0',
    'net.ipv6.conf.all.disable_ipv6': '1',
    'net.ipv6.conf.default.disable_ipv6': '1',
  });
  t.same(composeSysctls({ ...one, sysctls: { 'net/ipv4/conf/lan/arp_ignore': '1' } })['net.ipv4.conf.eth0.arp_ignore'], '1', 'one interface: eth0');
  const both = composeSysctls({ ...router, sysctls: { 'net.ipv4.conf.cl.rp_filter': '2', 'net.ipv4.conf.lan.rp_filter': '2', 'net.ipv4.ip_forward': '1' } });
  t.equal(both['net.ipv4.conf.eth0.rp_filter'], '2', 'same value on every interface: every ethN');
  t.equal(both['net.ipv4.conf.eth1.rp_filter'], '2');
  t.equal(both['net.ipv4.ip_forward'], '1', 'the plan overrides the baseline');
  t.throws(() => composeSysctls({ ...router, sysctls: { 'net.ipv4.conf.cl.rp_filter': '2', 'net.ipv4.conf.lan.rp_filter': '1' } }), ComposeError);
  t.throws(() => composeSysctls({ ...router, sysctls: { 'net.ipv4.conf.lan.send_redirects': '0' } }), /the same on every interface/);
  t.throws(() => composeSysctls({ ...one, sysctls: { 'net.ipv4.conf.wan.rp_filter': '0' } }), /no interface wan/);
  t.same(Object.keys(composeSysctls({ ...router, sysctls: { 'net.ipv4.conf.all.rp_filter': '0', 'a.b': '1' } })), [
    'a.b',
    'net.ipv4.conf.all.rp_filter',
    'net.ipv4.ip_forward',
    'net.ipv6.conf.all.disable_ipv6',
    'net.ipv6.conf.default.disable_ipv6',
  ], 'sorted keys');
});

t.test('sysctlCheckLines: the shell check passes on the real value and stops on another', async (t) => {
  const actual = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  const other = actual === '1' ? '0' : '1';
  const ok = [...sysctlCheckLines({ 'net/ipv4/ip_forward': actual }), 'echo passed'].join('\n');
  t.equal(execFileSync('sh', ['-ec', ok], { encoding: 'utf8' }).trim(), 'passed');
  const bad = [...sysctlCheckLines({ 'net.ipv4.ip_forward': other }), 'echo passed'].join('\n');
  t.throws(() => execFileSync('sh', ['-ec', bad], { stdio: 'pipe' }), 'a wrong value stops the script');
  t.same(sysctlCheckLines({}), []);
});

t.test('other topologies render: broadcast, table function, a backup dispatcher', async (t) => {
  const broadcast = composeModel(loadTopology(join(root, 'topologies/broadcast.yaml')));
  t.notOk('dispatcher' in broadcast.services, 'broadcast: no dispatcher');
  t.match(script(broadcast, 's0'), /pkttype/, 'broadcast: the pkt_type fix is in the servers\' plan');
  const yaml = 'name: tab\nscheme: routing\nservers: 3\ndispatchers: 2\ndispatch:\n  function: table\n  buckets: 64\n';
  const t2 = parseTopology(yaml, 'inline.yaml');
  const text = renderCompose(t2, { source: 'inline.yaml', image: 'example/node:1' });
  const m = load(text) as ComposeFile;
  t.same(Object.keys(m.services), ['client', 'router', 'dispatcher', 'dispatcher2', 's0', 's1', 's2']);
  t.equal(m.services.s0!.image, 'example/node:1');
  t.match(script(m, 'dispatcher2'), /nft -f -/, 'table function: an nft transaction');
  const fn = dispatchFunction('table', { buckets: 64 });
  const expected = t2.servers[fn.predict(ipToInt('198.18.128.7'), initialState(3))]!.name;
  t.match(text, new RegExp(`--interface 198\\.18\\.128\\.7 http://10\\.0\\.0\\.100/ +-> ${expected}\\n`), 'the header example names the predicted server');
});
