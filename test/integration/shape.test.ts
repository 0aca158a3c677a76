// Links like TCLink on both backends: `links: {lan: {rate: 10mbit}}` caps a download through the ghost; `lab shape SERVER off` lifts it.
import t from 'tap';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { parseShape, setNodeShape } from '../../src/lab/shape.js';
import { linkShapingChecks } from '../../src/lab/doctor-netem.js';
import { backendCases, predicted, startLab } from '../helpers/lab-fixture.js';

const CLIENT = '198.18.140.9';
const BYTES = 10_485_760;
const LIMIT_BITS = 10e6;

/** Downloads /bytes/N through the ghost from CLIENT with curl in the client node; bits per second and who served it. */
async function download(lab: RunningLab): Promise<{ bits: number; size: number; servedBy: string }> {
  const url = `http://${lab.state.topology.ghost}/bytes/${BYTES}`;
  const r = await lab.exec('client', ['curl', '-sS', '-o', '/dev/null', '-D', '-', '--max-time', '60', '--interface', CLIENT, '-w', 'olab %{size_download} %{speed_download}\n', url]);
  if (r.exitCode !== 0) throw new Error(`curl failed (exit ${r.exitCode}): ${r.stderr}`);
  const m = /olab (\d+) ([\d.]+)/.exec(r.stdout);
  const servedBy = /x-served-by: (\S+)/i.exec(r.stdout)?.[1] ?? '';
  return { size: Number(m![1]), bits: Number(m![2]) * 8, servedBy };
}

const mbit = (bits: number) => `${(bits / 1e6).toFixed(2)} Mbit/s`;

for (const { backend, skip } of await backendCases()) {
  t.test(`${backend}: a 10mbit LAN caps a download through the ghost; shape off lifts it`, { skip }, async (t) => {
    const lab = await startLab(t, `t14s${backend[0]}`, 'scheme: routing\nservers: 2\nlinks:\n  lan: {rate: 10mbit}\n', backend);
    const server = predicted(lab, CLIENT);
    const qdisc = (await lab.exec(server, ['tc', 'qdisc', 'show', 'dev', 'lan'])).stdout;
    t.match(qdisc, /qdisc tbf \S+ root .*rate 10Mbit/, `${server}'s LAN egress has the plan's tbf (${qdisc.trim()})`);
    const limited = await download(lab);
    t.equal(limited.servedBy, server, `the model's server ${server} served it`);
    t.equal(limited.size, BYTES, 'every byte arrived');
    t.ok(limited.bits <= 1.2 * LIMIT_BITS, `limited: ${mbit(limited.bits)} <= 1.2 x 10 Mbit/s`);
    t.match(await setNodeShape(lab, server, parseShape('off')), /not shaped/, 'shape off says so');
    t.notMatch((await lab.exec(server, ['tc', 'qdisc', 'show', 'dev', 'lan'])).stdout, /tbf/, 'no tbf left on its LAN interface');
    const free = await download(lab);
    t.equal(free.size, BYTES, 'every byte arrived again');
    t.ok(free.bits > limited.bits, `unshaped: ${mbit(free.bits)} > limited ${mbit(limited.bits)}`);
    t.same(lab.state.shape, { [server]: {} }, 'the state records the override (off), which revive and link up keep');
    const other = lab.state.topology.servers.find((s) => s.name !== server)!.name;
    const netem = (await linkShapingChecks()).find((c) => c.name.includes('netem'))!;
    const delayed = setNodeShape(lab, other, parseShape('10mbit', { delay: '20ms', jitter: '5ms' }));
    if (netem.ok) {
      await delayed;
      t.match((await lab.exec(other, ['tc', 'qdisc', 'show', 'dev', 'lan'])).stdout, /netem .*delay 20ms\s+5ms/, 'this kernel has netem: the delay is set');
    } else {
      await t.rejects(delayed, /this kernel has no sch_netem/, `no netem here (doctor: ${netem.fix}): the error names the missing module`);
    }
  });
}
