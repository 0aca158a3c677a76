// Mininet's bare-topology time for bench:up (one Linux bridge, n hosts, no controller, no services), when Mininet is installed.
import { existsSync } from 'node:fs';
import { run } from '../backends/common/run.js';

/** Mininet's own interpreter (Debian's package installs its modules for /usr/bin/python3 only). */
const PYTHON = '/usr/bin/python3';

/** Builds and starts `single,N` on a Linux bridge with Mininet's API, stops it, and prints both times as JSON. */
const SCRIPT = `
import json, sys, time
from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import SingleSwitchTopo
setLogLevel('error')
n = int(sys.argv[1])
t0 = time.monotonic()
net = Mininet(topo=SingleSwitchTopo(n), switch=LinuxBridge, controller=None)
net.start()
t1 = time.monotonic()
net.stop()
print(json.dumps({'up': t1 - t0, 'down': time.monotonic() - t1}))
`;

export interface MininetTimes {
  up: number;
  down: number;
}

/** Why Mininet cannot be timed here, or undefined when it can. */
export async function mininetMissing(): Promise<string | undefined> {
  if (!existsSync('/usr/bin/mn') || !existsSync(PYTHON)) return 'not installed (apt-get install mininet bridge-utils)';
  const r = await run(PYTHON, ['-c', 'import mininet.net, mininet.nodelib'], { timeoutMs: 10000 });
  return r.exitCode === 0 ? undefined : `its python modules do not load: ${r.stderr.trim().split('\n').at(-1)}`;
}

/**
 * Mininet's up and down of n hosts on one Linux bridge, in seconds. When the script fails, `mn -c` removes what
 * Mininet left (it only touches Mininet's own objects: *-eth* links and bridges in the host namespace, its mnexec
 * shells); lab objects live in olab-* namespaces and are never seen by it.
 */
export async function timeMininet(n: number): Promise<MininetTimes> {
  const r = await run(PYTHON, ['-c', SCRIPT, String(n)], { timeoutMs: 120000 });
  if (r.exitCode !== 0) {
    await run('mn', ['-c'], { timeoutMs: 60000 });
    throw new Error(`mininet single,${n} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as MininetTimes;
}
