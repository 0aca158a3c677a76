// `lab test --backend B` reaches the suites as $OLAB_TEST_BACKEND: the other backend's cases are left out, with the reason.
import t from 'tap';
import { backendLeftOut } from '../helpers/cli.js';

t.test('backendLeftOut follows OLAB_TEST_BACKEND', async (t) => {
  const saved = process.env.OLAB_TEST_BACKEND;
  t.teardown(() => (saved === undefined ? delete process.env.OLAB_TEST_BACKEND : (process.env.OLAB_TEST_BACKEND = saved)));
  delete process.env.OLAB_TEST_BACKEND;
  t.same([backendLeftOut('netns'), backendLeftOut('docker')], [false, false], 'unset (auto): both backends run');
  process.env.OLAB_TEST_BACKEND = 'docker';
  t.same([backendLeftOut('netns'), backendLeftOut('docker')], ['lab test --backend docker', false], 'docker: netns cases left out');
  process.env.OLAB_TEST_BACKEND = 'netns';
  t.same([backendLeftOut('netns'), backendLeftOut('docker')], [false, 'lab test --backend netns'], 'netns: Docker cases left out');
  process.env.OLAB_TEST_BACKEND = 'auto';
  t.same([backendLeftOut('netns'), backendLeftOut('docker')], [false, false], 'auto: both');
});
