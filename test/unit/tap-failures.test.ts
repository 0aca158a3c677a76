// The closing failure summary of `lab test`: the deepest failed assertions with their test names and diagnostics.
import t from 'tap';
import { formatTapFailures, tapFailures } from '../../src/cli/tap-failures.js';

const sample = [
  '# Subtest: test/integration/a.test.ts',
  '    # Subtest: grows a lab',
  '        ok 1 - fine',
  '        not ok 2 - no connection broke',
  '          ---',
  '          found: 3',
  '          wanted: 0',
  '          ...',
  '        1..2',
  '    not ok 1 - grows a lab # time=12ms',
  '    # Subtest: other',
  '        ok 1 - fine',
  '    ok 2 - other',
  'not ok 1 - test/integration/a.test.ts # time=20ms',
  '# Subtest: test/unit/b.test.ts',
  '    not ok 1 - timeout!',
  '    1..1',
  'not ok 2 - test/unit/b.test.ts',
].join('\n');

t.test('only the deepest failures, with their paths and diagnostics', async (t) => {
  const f = tapFailures(sample);
  t.same(f.map((x) => x.path), [
    ['test/integration/a.test.ts', 'grows a lab', 'no connection broke'],
    ['test/unit/b.test.ts', 'timeout!'],
  ]);
  t.same(f[0]!.diagnostic, ['found: 3', 'wanted: 0']);
  const text = formatTapFailures(f);
  t.match(text, /^failed \(2\):/);
  t.match(text, /a\.test\.ts > grows a lab > no connection broke\n {6}found: 3/);
});

t.test('a run without failures prints nothing', async (t) => {
  t.equal(formatTapFailures(tapFailures('# Subtest: x\n    ok 1 - y\nok 1 - x')), '');
});
