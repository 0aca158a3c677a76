// Unit tests of the Docker backend's pure parts (no engine): sysctl mapping, setup script, /proc stat parsing, image recipe.
import t from 'tap';
import { ROUTER_SPEC } from '../helpers/router-node-spec.js';
import { execFileSync } from 'node:child_process';
import { BackendError } from '../../src/backends/backend.js';
import { dockerGateway } from '../../src/backends/docker/docker-backend.js';
import { containerName, labFilter, networkName } from '../../src/backends/docker/names.js';
import { nodeSetupScript } from '../../src/backends/docker/node-setup.js';
import { parseSpawnOutput, STATUS_SCRIPT } from '../../src/backends/docker/processes.js';
import { parseStat } from '../../src/backends/common/proc-stat.js';
import { containerSysctls, dottedKey } from '../../src/backends/docker/sysctls.js';
import { intToIp } from '../../src/net/ipv4.js';
import { loadRecipe, parsePackages, recipeHash } from '../../src/backends/docker/image/recipe.js';

const router = ROUTER_SPEC;

t.test('sysctls: per-interface keys map to eth0 (first interface) or default (later ones)', async (t) => {
  const s = containerSysctls({
    ...router,
    sysctls: { 'net.ipv4.ip_forward': '1', 'net/ipv4/conf/cl/rp_filter': '0', 'net.ipv4.conf.lan.send_redirects': '0', 'net.ipv4.conf.all.rp_filter': '0' },
  });
  t.same(s, {
    'net.ipv6.conf.all.disable_ipv6': '1',
    'net.ipv6.conf.default.disable_ipv6': '1',
    'net.ipv4.ip_forward': '1',
    'net.ipv4.conf.all.rp_filter': '0',
    'net.ipv4.conf.eth0.rp_filter': '0',
    'net.ipv4.conf.default.send_redirects': '0',
  });
  t.equal(containerSysctls({ ...router, sysctls: {} })['net.ipv4.ip_forward'], '0', 'nodes do not forward unless asked');
  t.equal(dottedKey('net/ipv4/conf/lan/arp_ignore'), 'net.ipv4.conf.lan.arp_ignore');
  t.throws(() => containerSysctls({ ...router, sysctls: { 'net.ipv4.conf.wan.rp_filter': '0' } }), /no interface wan/);
  t.throws(
    () => containerSysctls({ ...router, sysctls: { 'net.ipv4.conf.default.rp_filter': '1', 'net.ipv4.conf.lan.rp_filter': '2' } }),
    BackendError,
    'a later interface cannot differ from an explicit default',
  );
  t.same(
    containerSysctls({ ...router, sysctls: { 'net.ipv4.conf.default.rp_filter': '1', 'net.ipv4.conf.cl.rp_filter': '2' } })['net.ipv4.conf.eth0.rp_filter'],
    '2',
    'the first interface may differ from default',
  );
});

t.test('names, labels, gateway', async (t) => {
  t.equal(containerName('demo', 's0'), 'olab-demo-s0');
  t.equal(networkName('demo', 'lan'), 'olab-demo-lan');
  t.same(labFilter('demo'), { label: ['oneip-lab.name=demo'] });
  t.same(labFilter(), { label: ['oneip-lab.name'] });
  t.throws(() => containerName('Demo', 's0'), BackendError);
  t.equal(intToIp(dockerGateway('10.0.1.0/24')), '10.0.1.254');
  t.equal(intToIp(dockerGateway('198.18.0.0/30')), '198.18.0.2');
});

t.test('setup script: finds interfaces by address, renames in two steps, drops default routes and DNS', async (t) => {
  const s = nodeSetupScript(router.interfaces, () => 24);
  t.match(s, /a=198\.18\.0\.1 /);
  t.match(s, /name olabtmp0\n[\s\S]*name olabtmp1\n[\s\S]*ip link set dev olabtmp0 name cl\n/);
  t.match(s, /while ip -4 route del default/);
  t.match(s, /nft flush ruleset/);
  t.notMatch(s, /addr del/, 'no prefix change when the subnet prefix is the spec prefix');
  t.match(nodeSetupScript([{ name: 'lan', network: 'lan', address: '10.0.1.5/25' }], () => 24), /ip addr del 10\.0\.1\.5\/24 dev lan\nip addr add 10\.0\.1\.5\/25 dev lan/);
  execFileSync('sh', ['-n', '-c', s]);
  t.pass('valid shell');
});

t.test('process tracking: /proc stat parsing and the liveness script', async (t) => {
  const line = '4242 (node server (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 7 0 123456 1000 10 18446744073709551615';
  t.same(parseStat(line), { state: 'S', startTime: '123456' });
  t.equal(parseStat('garbage'), null);
  t.same(parseSpawnOutput({ exitCode: 0, stdout: `4242\n${line}\n`, stderr: '' }), { pid: 4242, stat: { state: 'S', startTime: '123456' } });
  t.same(parseSpawnOutput({ exitCode: 0, stdout: '4242\n', stderr: '' }), { pid: 4242, stat: null }, 'no stat: the command is gone');
  t.equal(parseSpawnOutput({ exitCode: 0, stdout: 'oops', stderr: '' }), null);
  // the status script against this very shell's parent (the test process)
  const own = parseStat(execFileSync('cat', [`/proc/${process.pid}/stat`], { encoding: 'utf8' }))!;
  const status = (st: string) => {
    try {
      execFileSync('sh', ['-c', STATUS_SCRIPT, 'sh', String(process.pid), st]);
      return true;
    } catch {
      return false;
    }
  };
  t.equal(status(own.startTime), true, 'alive with the right start time');
  t.equal(status('1'), false, 'another start time is another process');
});

t.test('image recipe: package list and content hash', async (t) => {
  t.same(parsePackages('# c\nnodejs\n\niproute2 # why\nnodejs\n'), ['iproute2', 'nodejs']);
  t.throws(() => parsePackages('rm -rf /\n'), /not a Debian package name/);
  const r = loadRecipe();
  t.match(r.tag, /^oneip-lab\/node:[0-9a-f]{12}$/);
  t.ok(r.packages.includes('nodejs') && r.packages.includes('tini') && r.packages.includes('nftables'));
  t.equal(recipeHash(r.packages, r.dockerfile), r.hash, 'stable');
  t.not(recipeHash([...r.packages, 'vim'], r.dockerfile), r.hash, 'another package list is another tag');
});
