// `lab capture` on both backends and schemes: one request seen on the client and on its server, read back with tcpdump -r (paper 3.1: nothing rewritten).
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { startCapture } from '../../src/capture/capture.js';
import { readPcap, type Frame } from '../../src/capture/read-pcap.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { backendCases, predicted, startLab } from '../helpers/lab-fixture.js';
import { LAB, ROOT } from '../helpers/cli.js';

const CLIENT = '198.18.131.77';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

async function mac(lab: RunningLab, node: string, ifname: string): Promise<string> {
  return (await lab.exec(node, ['cat', `/sys/class/net/${ifname}/address`])).stdout.trim();
}

/** Captures on the client and on the server the model names while one request runs from CLIENT; both pcaps' frames. */
async function captureOneRequest(lab: RunningLab, dir: string, server: string): Promise<{ client: Frame[]; server: Frame[]; servedBy: string }> {
  const filter = `host ${CLIENT} and tcp port 80`;
  const fins = new Map<string, () => void>();
  const finSeen = (n: string) => new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${n}: no FIN in the capture within 10 s of the request`)), 10_000);
    fins.set(n, () => (clearTimeout(timer), res()));
  });
  const nodes = ['client', server];
  const caps = await Promise.all(
    nodes.map((n) => startCapture(lab, n, { file: join(dir, `${n}.pcap`), filter, durationMs: 30_000 }, (line) => line.includes('Flags [F') && fins.get(n)?.())),
  );
  await Promise.all(caps.map((c) => c.ready));
  const closed = nodes.map(finSeen);
  const [answer] = await lab.probe('client', [`http://${lab.state.topology.ghost}/`], [CLIENT]);
  // the answer is in once a FIN follows it (Connection: close)
  await Promise.all(closed);
  for (const c of caps) c.stop();
  const done = await Promise.all(caps.map((c) => c.done));
  return { client: await readPcap(done[0]!.file!), server: await readPcap(done[1]!.file!), servedBy: answer!.servedBy ?? `error ${answer!.error}` };
}

function checkAddresses(t: Test, frames: Frame[], ghost: string, where: string): void {
  const requests = frames.filter((f) => f.src?.startsWith(`${CLIENT}.`));
  const replies = frames.filter((f) => f.dst?.startsWith(`${CLIENT}.`));
  t.ok(requests.some((f) => f.line.includes('Flags [S]')), `${where}: saw the SYN`);
  t.ok(replies.some((f) => f.line.includes('Flags [S.]')), `${where}: saw the SYN-ACK`);
  t.ok(replies.some((f) => /HTTP\/1\.1 200|length [1-9]/.test(f.line)), `${where}: saw the answer's data`);
  t.same(frames.filter((f) => !requests.includes(f) && !replies.includes(f)).map((f) => f.line), [], `${where}: every packet is the client's or to the client`);
  t.same(requests.filter((f) => !f.dst!.startsWith(`${ghost}.80`)).map((f) => f.line), [], `${where}: the ghost is the destination of every request`);
  t.same(replies.filter((f) => !f.src!.startsWith(`${ghost}.80`)).map((f) => f.line), [], `${where}: the ghost is the source of every reply`);
}

for (const { backend, skip } of await backendCases()) {
  for (const scheme of ['routing', 'broadcast'] as const) {
    t.test(`${backend} ${scheme}: a request captured on the client and on its server`, { skip }, async (t) => {
      const lab = await startLab(t, `t14c${scheme[0]}${backend[0]}`, `scheme: ${scheme}\nservers: 3\n`, backend);
      const dir = mkdtempSync(join(tmpdir(), 'olab-capture-test-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const server = predicted(lab, CLIENT);
      const got = await captureOneRequest(lab, dir, server);
      t.equal(got.servedBy, server, `the model's server ${server} answered`);
      const ghost = lab.state.topology.ghost;
      checkAddresses(t, got.client, ghost, 'client');
      checkAddresses(t, got.server, ghost, server);
      const routerMac = await mac(lab, 'router', 'lan');
      const fromClient = got.server.filter((f) => f.src?.startsWith(`${CLIENT}.`));
      const toClient = got.server.filter((f) => f.dst?.startsWith(`${CLIENT}.`));
      t.same(toClient.filter((f) => f.dstMac !== routerMac).map((f) => f.line), [], `${server}'s replies go straight to the router (${routerMac})`);
      if (scheme === 'broadcast') {
        t.same(fromClient.filter((f) => f.dstMac !== BROADCAST).map((f) => f.line), [], `every frame to ${server} is a LAN broadcast (${BROADCAST})`);
      } else {
        const dispatcherMac = await mac(lab, 'dispatcher', 'lan');
        t.same(fromClient.filter((f) => f.srcMac !== dispatcherMac).map((f) => f.line), [], `every frame to ${server} came from the dispatcher (${dispatcherMac})`);
        t.same(fromClient.filter((f) => f.dstMac === BROADCAST).map((f) => f.line), [], 'no frame to the server is a broadcast');
      }
    });
  }
}

const [netns] = await backendCases();
t.test('lab capture on the command line: a line per packet, the pcap on the host, --count bounds it', { skip: netns!.skip }, async (t) => {
  const lab = await startLab(t, 't14cli', 'scheme: routing\nservers: 2\n', 'netns');
  const dir = mkdtempSync(join(tmpdir(), 'olab-capture-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'syn.pcap');
  const child = spawn(LAB, ['capture', '--name', lab.name, 'client', '--count', '1', '--filter', `src ${CLIENT} and tcp[tcpflags] & tcp-syn != 0`, '-w', file], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  const listening = new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`lab capture did not say "capturing on" within 60 s: ${stderr}`)), 60_000);
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
      if (stderr.includes('capturing on')) {
        clearTimeout(timer);
        res();
      }
    });
  });
  const exited = new Promise<number>((res) => child.once('exit', (code) => res(code ?? -1)));
  await listening;
  await lab.probe('client', [`http://${lab.state.topology.ghost}/`], [CLIENT]);
  t.equal(await exited, 0, `exit 0 (${stderr.trim()})`);
  const lines = stdout.trim().split('\n');
  t.equal(lines.length, 1, 'one summary line for the one packet');
  t.match(lines[0], new RegExp(`IP ${CLIENT.replace(/\./g, '\\.')}\\.\\d+ > ${lab.state.topology.ghost.replace(/\./g, '\\.')}\\.80: Flags \\[S\\]`), 'the SYN to the ghost');
  t.match(stderr, /client cl: 1 packets captured, the count was reached; pcap: /, 'the summary names the count and the file');
  const frames = await readPcap(file);
  t.equal(frames.length, 1, 'the pcap holds that one packet');
  t.ok(readFileSync(file).length > 24, 'a pcap with a header and a packet');
});
