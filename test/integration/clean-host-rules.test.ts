// `lab clean` removes host rules commented with a lab that left nothing else (its engine gone, its state removed).
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { lab, needsRoot } from '../helpers/cli.js';

const RULE = ['-t', 'raw', 'PREROUTING', '-i', 'olabcl0', '-m', 'comment', '--comment', 'oneip-lab:clorphan', '-j', 'NOTRACK'];
const rules = (): string => execFileSync('iptables-save', ['-t', 'raw'], { encoding: 'utf8' });

t.test('clean removes the host rules of a lab with nothing else left', { skip: needsRoot }, async (t) => {
  execFileSync('iptables', ['-w', RULE[0]!, RULE[1]!, '-A', ...RULE.slice(2)]);
  t.teardown(() => {
    try {
      execFileSync('iptables', ['-w', RULE[0]!, RULE[1]!, '-D', ...RULE.slice(2)], { stdio: 'ignore' });
    } catch {
      // gone already: what the test wants
    }
  });
  t.match(rules(), /oneip-lab:clorphan/, 'the orphaned rule is there before clean');
  const r = lab(['clean']);
  t.equal(r.code, 0, `clean exits 0 (${r.stderr.slice(-200)})`);
  t.notMatch(rules(), /oneip-lab:clorphan/, 'clean removed it');
});
