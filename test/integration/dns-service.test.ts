// The user's own service (topologies/dns-service.yaml: dnsmasq on every server), both schemes, netns and Docker: 256 clients ask the ghost `who.lab TXT` and get exactly the model's server; watchd probes DNS.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { startLab, type Lab } from '../../src/api/index.js';
import { downLab } from '../../src/lab/down.js';
import { builtScript } from '../../src/util/paths.js';
import { isRoot, leftovers, ROOT, sh } from '../helpers/cli.js';
import { backendCases } from '../helpers/lab-fixture.js';

const FILE = join(ROOT, 'topologies', 'dns-service.yaml');

/** `dig -b CLIENT @GHOST who.lab TXT` from each address, in the client node: one line each (the TXT, or "none"). */
async function digAll(lab: Lab, froms: string[]): Promise<string[]> {
  const script = 'for a in "$@"; do r=$(dig +short +tries=1 +time=2 -b "$a" "@$GHOST" who.lab TXT | tr -d \'"\'); echo "${r:-none}"; done';
  const r = await lab.exec('client', ['env', `GHOST=${lab.topology.ghost}`, 'sh', '-c', script, 'sh', ...froms], { timeoutMs: 120_000 });
  return r.stdout.trim().split('\n');
}

/** The same question with the lab's own UDP client (Docker nodes have no dig; the lab's runtime is in every node). */
async function askAll(lab: Lab, froms: string[]): Promise<string[]> {
  const argv = [process.execPath, builtScript('server/dns-query'), '--server', lab.topology.ghost, '--name', 'who.lab', '--type', 'TXT', '--from', froms.join(',')];
  const r = await lab.exec('client', argv, { timeoutMs: 120_000 });
  return r.stdout.trim().split('\n').map((l) => {
    const a = JSON.parse(l) as { answers?: string[]; error?: string };
    return a.answers?.join(' ') || (a.error ?? 'none');
  });
}

// dnsmasq on the host (netns servers run the host's programs) and dig in the client: installed where missing, as `lab` installs its packages
if (isRoot && !sh('command -v dnsmasq && command -v dig').includes('dig')) {
  spawnSync('bash', [join(ROOT, 'scripts', 'apt-install.sh'), 'dnsmasq-base', 'bind9-dnsutils'], { stdio: 'inherit', timeout: 600_000 });
}

const cases = await backendCases();
for (const c of cases) {
  for (const scheme of ['routing', 'broadcast']) {
    const name = `a14d${scheme[0]}${c.backend[0]}`;
    t.test(`dnsmasq on every server, ${scheme} scheme, ${c.backend}: who.lab TXT through the ghost`, { skip: c.skip }, async (t) => {
      await downLab(name);
      const fields = { ...(parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>), name, scheme, lan: '10.0.72.0/24', client: { link: '198.18.72.0/24' } };
      const lab = await startLab({ topology: fields, backend: c.backend });
      try {
        await check(t, lab);
      } finally {
        await lab.down();
      }
      t.same(leftovers(name), [], 'nothing left');
    });
  }
}

async function check(t: Test, lab: Lab): Promise<void> {
  const ask = lab.backend === 'netns' ? digAll : askAll;
  const model = await lab.dispatch();
  const clients = model.clients(256);
  const answers = await ask(lab, clients);
  const wrong = clients.map((a, i) => [a, answers[i], model.predict(a)]).filter(([, got, want]) => got !== want);
  t.same(wrong, [], `all 256 clients answered by the model's server (${lab.backend === 'netns' ? 'dig' : "the lab's UDP client"})`);
  t.same(new Set(answers).size, 4, 'every server answered some');

  // watchd asks DNS: stopping dnsmasq alone (links and rules stay) is a failure it sees
  await lab.stop('s1');
  const e = await lab.waitFor('reconfigured', { node: 's1', timeoutMs: 15_000 });
  t.same(e.alive, ['s0', 's2', 's3'], 'watchd took s1 out when its DNS stopped answering');
  const after = await lab.dispatch();
  const ofS1 = clients.filter((a) => model.predict(a) === 's1');
  t.same(await ask(lab, ofS1), ofS1.map((a) => after.predict(a)), "s1's clients answered where the model now sends them");
  t.match(await lab.revive('s1'), /restarted service/, 'revive starts dnsmasq again');
  await lab.waitFor('reconfigured', { node: 's1', match: (ev) => (ev.up ?? []).includes('s1'), timeoutMs: 15_000 });
  t.same(await ask(lab, ofS1), ofS1.map(() => 's1'), 'and they are back on s1');
}
