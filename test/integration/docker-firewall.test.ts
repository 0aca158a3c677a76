// Integration test: on a host whose FORWARD policy is DROP with br_netfilter on, Docker labs still work (both schemes, every client on the model's server), and after down the host's rules are exactly as before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { forwardState } from '../../src/backends/docker/host-rules.js';
import { downLab } from '../../src/lab/down.js';
import { clientAddresses, ghostMap, predicted, startLab } from '../helpers/lab-fixture.js';
import { dockerLeftovers } from '../helpers/backend-cases.js';
import { isRoot, testLabName } from '../helpers/cli.js';

const SYSCTL = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const engine = await dockerAvailable(5000);

function sh(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

/** The host's rules without counters and comments: what must be the same before up and after down. */
function hostRules(): string {
  return sh('iptables-save')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n');
}

if (!isRoot || !engine.ok) {
  t.plan(0, `skipping: ${!isRoot ? 'needs root' : engine.reason}`);
} else {
  const policy = /^-P FORWARD (\S+)/m.exec(sh('iptables -S FORWARD'))?.[1] ?? 'ACCEPT';
  sh('modprobe br_netfilter 2>/dev/null || true');
  const sysctl = readFileSync(SYSCTL, 'utf8').trim();
  // the host's policy and sysctl come back whatever happens: after the tests (passed or not), and when the
  // process is ended by a signal (tap's timeout, Ctrl-C) or exits early
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    spawnSync('iptables', ['-P', 'FORWARD', policy]);
    writeFileSync(SYSCTL, sysctl);
  };
  t.teardown(restore);
  process.once('exit', restore);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      restore();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  writeFileSync(SYSCTL, '1');
  sh('iptables -P FORWARD DROP');

  // subnets of their own: a Docker lab of the default subnets elsewhere on the engine does not stop them
  for (const [scheme, name, net] of [
    ['routing', testLabName('d13fr'), 62],
    ['broadcast', testLabName('d13fb'), 63],
  ] as const) {
    t.test(`${scheme} on Docker with FORWARD DROP and br_netfilter on`, async (t) => {
      const state = await forwardState();
      t.ok(state.needsAccept, `the host would drop bridged traffic (${state.policy})`);
      const before = hostRules();
      const lab = await startLab(t, name, `scheme: ${scheme}\nservers: 4\nlan: 10.0.${net}.0/24\nclient: {link: 198.18.${net}.0/24}\nwatchd: {enabled: false}\n`, 'docker');
      const accepts = sh('iptables -S FORWARD').split('\n').filter((l) => l.includes(`oneip-lab:${name}`));
      t.equal(accepts.length, 2, 'one commented FORWARD accept per lab bridge');
      t.ok(accepts.every((l) => /-i (br-\w+) -o \1 /.test(l) && l.includes('-j ACCEPT')), 'each accepts only within its own bridge');
      const froms = clientAddresses('198.18.128.0/17', 64);
      const answers = await ghostMap(lab, froms);
      const wrong = [...answers].filter(([from, server]) => server !== predicted(lab, from));
      t.same(wrong, [], 'every client address is served by the predicted server');
      t.same(new Set(answers.values()), new Set(['s0', 's1', 's2', 's3']), 'every server serves some clients');
      // the premise: without the lab's accepts this host drops the lab's traffic (so the checks above can fail)
      const rules = accepts.map((l) => l.replace(/^-A FORWARD /, ''));
      for (const r of rules) sh(`iptables -D FORWARD ${r}`);
      const dropped = await ghostMap(lab, froms.slice(0, 4));
      for (const r of rules) sh(`iptables -I FORWARD 1 ${r}`);
      t.ok([...dropped.values()].every((v) => v.startsWith('error:')), `without them no client is answered (${[...dropped.values()].join(', ')})`);
      await downLab(name);
      t.same(await dockerLeftovers(name), [], 'nothing of the lab left');
      t.equal(hostRules(), before, "the host's rules after down are exactly those before up");
    });
  }
}
