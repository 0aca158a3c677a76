// `lab graph`'s SVG: every node, network and the ghost named, a running lab's failures drawn, text escaped, nothing fetched.
import t from 'tap';
import { graphModel, type GraphStatus } from '../../src/graph/graph-model.js';
import { renderTopologySvg } from '../../src/graph/topology-svg.js';
import { parseTopology } from '../../src/topology-file/load.js';

const topo = (yaml: string) => parseTopology(`name: gr\n${yaml}`, 'gr.yaml');

function nodeGroup(svg: string, name: string): string {
  return new RegExp(`<g data-node="${name}"[^>]*>[\\s\\S]*?</g>`).exec(svg)?.[0] ?? '';
}

t.test('a routing topology: every node, network, address and the ghost', async (t) => {
  const tp = topo('scheme: routing\nservers: 5\ndispatchers: 2\n');
  const svg = renderTopologySvg(graphModel(tp));
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  for (const n of tp.nodes) {
    const g = nodeGroup(svg, n.name);
    t.ok(g, `${n.name} drawn`);
    t.match(g, `data-condition="up"`, `${n.name} is up (a topology file)`);
    for (const i of n.interfaces) t.match(g, `${i.name} ${i.address}/${i.prefixLength}`, `${n.name}: ${i.address}`);
  }
  t.match(svg, /<g data-network="cl"><text[^>]*>cl 198\.18\.0\.0\/24<\/text>/);
  t.match(svg, /<g data-network="lan"><text[^>]*>lan 10\.0\.1\.0\/24 \(server LAN\)/);
  t.match(svg, /<g data-ghost="10\.0\.0\.100">[\s\S]*ghost 10\.0\.0\.100/);
  t.match(svg, 'router: ghost via dispatcher 10.0.1.2');
  t.equal((svg.match(/lo 10\.0\.0\.100\/32 \(ghost\)/g) ?? []).length, 5, 'the ghost on lo of each of the 5 servers');
  t.match(nodeGroup(svg, 'dispatcher'), 'active');
  t.match(nodeGroup(svg, 'dispatcher2'), 'standby');
  t.notMatch(svg, /<script|href=|url\(|@import/, 'self-contained: no script, link or fetch');
});

t.test('a running lab: down and out nodes, the active dispatcher, shaping and loss', async (t) => {
  const tp = topo('scheme: routing\nservers: 4\ndispatchers: 2\nlinks:\n  lan: {rate: 100mbit}\n');
  const status: GraphStatus = { backend: 'docker', failures: { s1: 'killed', s2: 'link-down', dispatcher: 'killed' }, out: ['s1', 's3'], activeDispatcher: 'dispatcher2', loss: { s0: 20 }, shape: { s0: { rate: '1mbit', rateBits: 1e6 } } };
  const svg = renderTopologySvg(graphModel(tp, status, 'mylab'));
  t.match(svg, 'lab mylab');
  t.match(svg, /routing dispatching, modulo function, 4 servers, docker; ghost 10\.0\.0\.100/);
  t.match(nodeGroup(svg, 's1'), /data-condition="killed"[\s\S]*DOWN: killed/, 'a killed server: down, killed (before out)');
  t.match(nodeGroup(svg, 's2'), /data-condition="link-down"[\s\S]*DOWN: link down/);
  t.match(nodeGroup(svg, 's3'), /data-condition="out"[\s\S]*out of the function/, 'running but out of the function');
  t.match(nodeGroup(svg, 's0'), /data-condition="up"[\s\S]*loss 20 % · shaped 1mbit/);
  t.match(nodeGroup(svg, 'dispatcher'), /data-condition="killed"[\s\S]*standby/);
  t.match(nodeGroup(svg, 'dispatcher2'), 'active');
  t.match(svg, 'router: ghost via dispatcher2 10.0.1.3');
  t.match(svg, '100mbit at every interface');
});

t.test('broadcast: ghost1, no dispatcher; many servers wrap into rows on one bus', async (t) => {
  const tp = topo('scheme: broadcast\nservers: 20\n');
  const svg = renderTopologySvg(graphModel(tp));
  t.match(svg, 'ghost1 10.0.1.250');
  t.match(svg, 'router: ghost via ghost1 10.0.1.250 = ff:ff:ff:ff:ff:ff');
  t.notMatch(svg, 'data-node="dispatcher"');
  for (const s of tp.servers) t.ok(nodeGroup(svg, s.name), `${s.name} drawn`);
  t.equal((svg.match(/stroke="#1a73e8" stroke-width="4"/g) ?? []).length, 4, 'three bus rows of at most 8 and the trunk joining them');
});

t.test('names are escaped', async (t) => {
  const m = graphModel(topo('scheme: routing\nservers: 1\n'), undefined, 'a<b>&"c');
  t.match(renderTopologySvg(m), 'lab a&lt;b&gt;&amp;&quot;c');
});
