// Bad input through the real command line: every malformed topology gives one FILE:LINE:COLUMN error, exit 2, nothing created.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lab, ROOT, sh } from '../helpers/cli.js';

const dir = join(ROOT, 'test', 'fixtures', 'bad-topologies');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

t.ok(files.length >= 12, `at least 12 malformed topologies (${files.length})`);

for (const file of files) {
  t.test(file, async (t) => {
    const path = join('test', 'fixtures', 'bad-topologies', file);
    const before = sh('ip netns list 2>/dev/null');
    for (const command of [['up', '-t', path], ['plan', '-t', path]]) {
      const r = lab(command);
      t.equal(r.code, 2, `${command[0]}: exit code 2`);
      // `./lab` may first say it is building (set-up, not an error)
      const lines = r.stderr.trim().split('\n').filter((l) => !/^lab: (building|installing)/.test(l));
      t.equal(lines.length, 1, `${command[0]}: one error line: ${r.stderr}`);
      t.match(lines[0], new RegExp(`^lab: .*${file.replace('.', '\\.')}:\\d+:\\d+: [\\w.-]+: .+`), `${command[0]}: FILE:LINE:COLUMN: field: message`);
      t.equal(r.stdout, '', `${command[0]}: prints nothing on stdout`);
    }
    t.equal(sh('ip netns list 2>/dev/null'), before, 'no namespace was created');
  });
}

t.test('bad flags are usage errors', async (t) => {
  const noFile = lab(['up']);
  t.equal(noFile.code, 2);
  t.match(noFile.stderr, /-t FILE is required/);
  const badName = lab(['up', '-t', 'topologies/routing.yaml', '--name', 'Bad_Name']);
  t.equal(badName.code, 2);
  t.match(badName.stderr, /--name/);
  const badBackend = lab(['up', '-t', 'topologies/routing.yaml', '--backend', 'vmware']);
  t.equal(badBackend.code, 2);
  t.match(badBackend.stderr, /--backend/);
  const missing = lab(['plan', '-t', 'no/such/file.yaml']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /no\/such\/file\.yaml/);
  const unknownCommand = lab(['frobnicate']);
  t.equal(unknownCommand.code, 2);
});
