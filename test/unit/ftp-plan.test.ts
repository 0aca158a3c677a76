// FTP on the servers (topology `ftp: true`): a vsftpd process step in every server's plan, with the config the comparison needs.
import t from 'tap';
import { renderProcessStep, type ProcessStep } from '../../src/plan/types.js';
import { initialClusterState } from '../../src/schemes/cluster-state.js';
import { planLab } from '../../src/schemes/plan-lab.js';
import { FTP_FILE, FTP_PROCESS } from '../../src/server/ftp-config.js';
import { parseTopology } from '../../src/topology-file/load.js';

for (const scheme of ['routing', 'broadcast']) {
  t.test(`${scheme}: ftp: true gives each server, and only servers, a vsftpd step`, async (t) => {
    const topo = parseTopology(`name: a\nscheme: ${scheme}\nftp: true\nservers: 3\n`, 'a.yaml');
    const plan = planLab(topo, initialClusterState(topo));
    for (const node of plan.nodes) {
      const steps = node.steps.filter((s): s is ProcessStep => s.kind === 'process' && s.name === FTP_PROCESS);
      t.equal(steps.length, node.role === 'server' ? 1 : 0, `${node.node}: ${steps.length} ftp step(s)`);
      if (node.role !== 'server') continue;
      const step = steps[0]!;
      const conf = step.files!.find((f) => f.path === 'vsftpd.conf')!.text;
      for (const line of ['connect_from_port_20=YES', 'pasv_min_port=40000', 'pasv_max_port=40099', 'seccomp_sandbox=NO', 'isolate_network=NO', 'anonymous_enable=YES', 'write_enable=NO', 'background=NO']) {
        t.ok(conf.split('\n').includes(line), `${node.node}: ${line}`);
      }
      t.strictSame(step.files!.find((f) => f.path === `ftp/${FTP_FILE}`)?.text, node.node, 'the file names its server');
      const shell = renderProcessStep(step, '/run/x');
      t.match(shell, /mkdir -p \/run\/x\/ftp\ncat > \/run\/x\/ftp\/oneip\.txt/, 'the file\'s folder is made before it is written');
      t.match(shell, /anon_root=\/run\/x\/ftp\n/);
    }
    const off = planLab(parseTopology(`name: a\nscheme: ${scheme}\n`, 'a.yaml'), initialClusterState(topo));
    t.notOk(off.nodes.some((n) => n.steps.some((s) => s.kind === 'process')), 'no process step without ftp');
  });
}
