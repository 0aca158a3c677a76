// `lab doctor` on this machine: every check the schemes need passes where the lab's own tests run.
import t from 'tap';
import { lab, needsRoot } from '../helpers/cli.js';

t.test('doctor finds everything the schemes need', { skip: needsRoot }, async (t) => {
  const r = lab(['doctor']);
  t.equal(r.code, 0, `doctor exits 0: ${r.stdout}`);
  for (const check of ['root', 'iproute2', 'nftables', 'iptables', 'veth, bridge', 'iptables bpf match', 'nft jhash map', 'nft meta pkttype set']) {
    t.match(r.stdout, new RegExp(`${check}[^\\n]*│ ok`), `${check}: ok`);
  }
  t.same(r.stdout.match(/olab-doc/g), null, 'no scratch namespace is mentioned');
});
