// Link shaping: rates and delays as tc takes them, the tc lines of the plan, the `links` field's errors and `lab shape`'s words.
import t from 'tap';
import { describeShape, NETEM_MODULE, parseRate, qdiscWords, shapeStep } from '../../src/links/link-shape.js';
import { linkSteps } from '../../src/links/link-plan.js';
import { parseShape } from '../../src/lab/shape.js';
import { planLab } from '../../src/schemes/plan-lab.js';
import { initialClusterState } from '../../src/schemes/cluster-state.js';
import { parseTopology } from '../../src/topology-file/load.js';
import { TopologyError, formatIssue } from '../../src/topology-file/errors.js';
import { renderSteps } from '../../src/plan/types.js';
import { UsageError } from '../../src/util/errors.js';

t.test('rates', async (t) => {
  t.equal(parseRate('10mbit'), 10_000_000);
  t.equal(parseRate('512kbit'), 512_000);
  t.equal(parseRate('1gbit'), 1e9);
  t.equal(parseRate('2.5mbit'), 2_500_000);
  t.equal(parseRate('1mbps'), 8e6, 'bps is bytes per second, as tc says');
  for (const bad of ['10', 'fast', '10 mb', '-1mbit', '0bit', '200gbit']) t.equal(parseRate(bad), undefined, `"${bad}" is no rate`);
});

t.test('qdiscs and their steps', async (t) => {
  t.equal(qdiscWords({ rate: '10mbit', rateBits: 1e7 }), 'tbf rate 10000000bit burst 32768 latency 50ms', 'rate alone: tbf, a 32 KiB bucket at least');
  t.equal(qdiscWords({ rate: '1gbit', rateBits: 1e9 }), 'tbf rate 1000000000bit burst 1250000 latency 50ms', 'a 100th of a second at high rates');
  t.equal(qdiscWords({ delayMs: 20, jitterMs: 5, rate: '10mbit', rateBits: 1e7 }), 'netem delay 20ms 5ms rate 10000000bit', 'delay: netem, the rate folded in');
  t.equal(qdiscWords({}), undefined);
  t.equal(shapeStep('lan', {}).kind === 'run' && (shapeStep('lan', {}) as { line: string }).line, 'tc qdisc del dev lan root 2>/dev/null || true', 'no shaping removes the root qdisc');
  const netem = renderSteps([shapeStep('lan', { delayMs: 10 })]);
  t.match(netem, /tc qdisc replace dev lan root netem delay 10ms/);
  t.match(netem, new RegExp(`kind is unknown.*no ${NETEM_MODULE}`), 'a kernel without netem gets an error naming the module');
  t.equal(describeShape({ rate: '10mbit', rateBits: 1e7, delayMs: 20, jitterMs: 5 }), '10mbit, delay 20ms ± 5ms');
});

const topo = (links: string) => parseTopology(`name: lnk\nscheme: routing\nservers: 2\n${links}`, 'lnk.yaml');

t.test('the links field in plans', async (t) => {
  const plain = topo('');
  t.same(plain.links, {}, 'no links field: nothing shaped');
  t.same(plain.nodes.flatMap((n) => linkSteps(plain, n)), [], 'and no step in any plan');
  const shaped = topo('links:\n  lan: {rate: 100mbit}\n  client: {rate: 10mbit}\n');
  const plan = planLab(shaped, initialClusterState(shaped));
  const lines = (node: string) => renderSteps(plan.nodes.find((p) => p.node === node)!.steps).split('\n').filter((l) => l.startsWith('tc '));
  t.same(lines('client'), ['tc qdisc replace dev cl root tbf rate 10000000bit burst 32768 latency 50ms'], 'the client link at the client');
  t.same(lines('router'), ['tc qdisc replace dev cl root tbf rate 10000000bit burst 32768 latency 50ms', 'tc qdisc replace dev lan root tbf rate 100000000bit burst 125000 latency 50ms'], 'both ends of each link shape their egress (TCLink)');
  t.same(lines('s1'), ['tc qdisc replace dev lan root tbf rate 100000000bit burst 125000 latency 50ms']);
  const base = planLab(plain, initialClusterState(plain));
  t.same(plan.nodes.map((p) => p.steps.filter((s) => !(s.kind === 'run' && s.line.startsWith('tc ')))), base.nodes.map((p) => p.steps), 'shaping adds tc lines and changes nothing else');
});

function issues(text: string): string[] {
  try {
    topo(text);
  } catch (e) {
    if (e instanceof TopologyError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

t.test('bad links fields, each located', async (t) => {
  t.match(issues('links:\n  lan: {rate: fast}\n'), [/^lnk\.yaml:5:\d+: links\.lan\.rate: must be a rate such as 10mbit/]);
  t.match(issues('links:\n  lan: {jitter: 5ms}\n'), [/links\.lan\.jitter: jitter needs a delay/]);
  t.match(issues('links:\n  wan: {rate: 1mbit}\n'), [/links\.wan: unknown key "wan"/]);
  t.match(issues('links:\n  client: {delay: 20 minutes}\n'), [/links\.client\.delay: must be a duration from 0ms to 10s/]);
  t.match(issues('links:\n  lan: {rate: 1mbit, loss: 3}\n'), [/links\.lan.*loss/]);
  t.same(issues('links:\n  lan: {rate: 1mbit, delay: 20ms, jitter: 2ms}\n'), [], 'a full entry is fine');
  t.same(topo('links:\n  lan: {rate: 1mbit, delay: 20ms, jitter: 2ms}\n').links, { lan: { rate: '1mbit', rateBits: 1e6, delayMs: 20, jitterMs: 2 } });
});

t.test('lab shape words', async (t) => {
  t.same(parseShape('off'), {});
  t.same(parseShape('10mbit'), { rate: '10mbit', rateBits: 1e7 });
  t.same(parseShape('10mbit', { delay: '20ms', jitter: '5ms' }), { rate: '10mbit', rateBits: 1e7, delayMs: 20, jitterMs: 5 });
  t.throws(() => parseShape('fast'), UsageError);
  t.throws(() => parseShape('fast'), /RATE must be a rate such as 10mbit.*or off; got "fast"/);
  t.throws(() => parseShape('10mbit', { jitter: '5ms' }), /--jitter needs --delay/);
  t.throws(() => parseShape('off', { delay: '5ms' }), /off removes all shaping/);
  t.throws(() => parseShape('1mbit', { delay: 'soon' }), /--delay must be a duration/);
});
