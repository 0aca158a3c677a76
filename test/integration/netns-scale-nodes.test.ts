// Integration test of the netns backend's addNodes/removeNodes (root only): nodes added to a built lab reach it over its LAN, removed ones are gone.
// Reachability is a TCP exchange by address (the host has no ping: iputils-ping is not among the lab's packages).
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeSpec } from '../../src/backends/backend.js';
import { run } from '../../src/backends/common/run.js';
import { cleanNetnsLabs, listLabNamespaces } from '../../src/backends/netns/clean.js';
import { NetnsBackend } from '../../src/backends/netns/netns-backend.js';
import { netnsUnavailable } from '../helpers/backend-cases.js';
import { pidAlive, serverArgv, tcpHello, waitFor } from '../helpers/backend-checks.js';
import { smallLab } from '../helpers/netns-lab-spec.js';

const LAB = 'c15scale';

const whyNot = netnsUnavailable();

/** A host on network a (10.77.1.0/24), made as create() makes h1 and h2. */
function host(name: string, last: number): NodeSpec {
  return { name, role: 'host', interfaces: [{ name: 'eth0', network: 'a', address: `10.77.1.${last}/24` }], sysctls: { 'net.ipv4.ip_forward': '0' } };
}

/** Whether `node` gets the hello of the test server at `address` (serverArgv answers its tag). */
async function reaches(b: NetnsBackend, node: string, address: string, tag: string): Promise<boolean> {
  return (await tcpHello(b, node, address)).includes(tag);
}

/** Waits until the spawned process runs its command inside the node (no longer the `ip netns exec` before it). */
async function running(pid: number, comm: string): Promise<void> {
  await waitFor(`pid ${pid} to run ${comm}`, async () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm);
}

if (whyNot) {
  t.plan(0, whyNot);
} else {
  const logDir = mkdtempSync(join(tmpdir(), 'olab-scale-test-'));
  t.before(async () => {
    await cleanNetnsLabs([LAB]);
  });
  t.teardown(async () => {
    await cleanNetnsLabs([LAB]);
    rmSync(logDir, { recursive: true, force: true });
  });

  t.test('addNodes wires new nodes onto the existing LAN; removeNodes removes only those; destroy leaves nothing', async (t) => {
    const b = new NetnsBackend(LAB);
    await b.create(smallLab(LAB));
    await b.addNodes([host('h4', 20), host('h5', 21)]);
    t.same(
      await listLabNamespaces(LAB),
      ['h1', 'h2', 'h3', 'h4', 'h5', 'r', 'sw'].map((n) => `olab-${LAB}-${n}`),
      'each added node is a namespace named as create() names them',
    );
    const addr = await b.exec('h4', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    t.match(addr.stdout, /10\.77\.1\.20\/24/, "h4's interface has its address");
    t.equal((await b.exec('h4', ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim(), '0', "h4's sysctls are set");
    const servers = await Promise.all(['h1', 'h2', 'h4', 'h5'].map((n) => b.spawn(n, 'tcp', serverArgv(n), { logDir })));
    await waitFor('the test servers to answer', async () => (await reaches(b, 'h4', '10.77.1.10', 'h1')) && (await reaches(b, 'h1', '10.77.1.21', 'h5')));
    t.ok(await reaches(b, 'h4', '10.77.1.10', 'h1'), 'h4 reaches h1, a node of create(), over network a');
    t.ok(await reaches(b, 'h5', '10.77.1.11', 'h2'), 'h5 reaches h2');
    t.ok(await reaches(b, 'h1', '10.77.1.21', 'h5'), 'h1 reaches h5');
    t.ok(await reaches(b, 'h1', '10.77.1.20', 'h4'), 'h1 reaches h4');

    await t.rejects(b.addNodes([host('h4', 22)]), /has these nodes already/, 'adding a node that exists is refused');
    await t.rejects(
      b.addNodes([{ name: 'h6', role: 'host', interfaces: [{ name: 'eth0', network: 'zz', address: '10.77.9.1/24' }], sysctls: {} }]),
      /unknown network zz/,
      'a node on a network the lab does not have is refused',
    );
    t.notOk((await listLabNamespaces(LAB)).includes(`olab-${LAB}-h6`), 'a refused node creates nothing');

    const h4server = servers[2]!;
    await running(h4server.pid, 'node');
    await b.removeNodes(['h4']);
    t.equal(pidAlive(h4server.pid), false, "h4's process is gone");
    t.notOk((await listLabNamespaces(LAB)).includes(`olab-${LAB}-h4`), "h4's namespace is gone");
    const ports = await run('ip', ['-n', `olab-${LAB}-sw`, '-o', 'link', 'show']);
    t.notMatch(ports.stdout, /h4-a/, "h4's veth is gone from the switch");
    t.match(ports.stdout, /h5-a/, "h5's veth stays");
    t.notOk(await reaches(b, 'h1', '10.77.1.20', 'h4'), "h4's server answers no more at its address");
    t.ok(await reaches(b, 'h5', '10.77.1.10', 'h1'), 'h5 still reaches h1');
    t.ok(await reaches(b, 'h1', '10.77.1.21', 'h5'), 'h1 still reaches h5');
    await t.resolves(b.removeNodes(['h4']), 'removing a node that is gone already is fine');

    await b.destroy();
    t.same(await listLabNamespaces(LAB), [], 'destroy leaves no namespace of the lab, added nodes included');
    t.notOk(readdirSync('/run/netns').some((n) => n.startsWith(`olab-${LAB}-`)), 'nor a file under /run/netns');
  });
}
