// Process steps of a plan: printed as the shell that writes their files and starts them; grouped apart from shell steps when applied.
import t from 'tap';
import { renderProcessStep, renderSteps, type ProcessStep } from '../../src/plan/types.js';

const haproxy: ProcessStep = {
  kind: 'process',
  name: 'haproxy',
  argv: ['haproxy', '-db', '-f', '{dir}/haproxy.cfg'],
  files: [{ path: 'haproxy.cfg', text: "global\n  pidfile {dir}/haproxy.pid\n  log-tag 'x'" }],
  comment: 'the proxy',
};

t.test('a process step prints its files as heredocs and its start, with the node folder put in', async (t) => {
  const text = renderProcessStep(haproxy, '/run/x/dispatcher');
  t.equal(
    text,
    [
      'mkdir -p /run/x/dispatcher',
      "cat > /run/x/dispatcher/haproxy.cfg <<'ONEIP_EOF'",
      'global',
      '  pidfile /run/x/dispatcher/haproxy.pid',
      "  log-tag 'x'",
      'ONEIP_EOF',
      'haproxy -db -f /run/x/dispatcher/haproxy.cfg &  # process "haproxy", started and tracked by the lab',
    ].join('\n'),
  );
  t.match(renderSteps([haproxy]), /^# the proxy\nmkdir -p \{dir\}\n/, 'lab plan shows the placeholder');
  t.match(renderProcessStep({ ...haproxy, argv: ['sh', '-c', "echo 'a b'"] }), /sh -c 'echo '\\''a b'\\''' &/, 'quoted for sh');
});
