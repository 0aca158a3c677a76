// `lab demo` (the quick start's first command) through the real command line: both schemes, load, a failure and recovery, all verdicts pass, nothing left.
import t from 'tap';
import { lab, leftovers, needsRoot, sh } from '../helpers/cli.js';

t.test('lab demo: both schemes, load, s1 killed and revived under load, every verdict passes, the lab is removed', { skip: needsRoot }, async (t) => {
  const r = lab(['demo', '--name', 'demot', '--duration', '1s', '--failure', '6']);
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.slice(-300)})`);
  for (const scheme of ['routing', 'broadcast']) t.match(r.stdout, `=== ${scheme}-based dispatching`, `${scheme} part shown`);
  t.match(r.stdout, /before \(0\.0-2\.0 s\) .* during \(2\.0-4\.0 s\) .* after \(4\.0-6\.\d s\)/, 'the per-server table before, during and after');
  const verdicts = r.stdout.split('\n').filter((l) => /^(PASS|FAIL) {2}/.test(l));
  t.equal(verdicts.length, 12, 'six verdicts per scheme');
  t.same(verdicts.filter((l) => l.startsWith('FAIL')), [], 'none fails');
  t.match(r.stdout, /PASS {2}no-errors: clients of s0, s2, s3: 0 errors/, "the other servers' clients saw no error");
  const accounted = [...r.stdout.matchAll(/requests: (\d+) sent = (\d+) ok \+ (\d+) errors/g)];
  t.equal(accounted.length, 2);
  for (const [, sent, ok, errors] of accounted) t.equal(Number(sent), Number(ok) + Number(errors), `sent ${sent} = ok ${ok} + errors ${errors}`);
  t.same(leftovers('demot'), [], 'no namespace or state left');
  t.equal(sh('docker ps -aq --filter label=oneip-lab.name=demot 2>/dev/null').trim(), '', 'no container left');
});
