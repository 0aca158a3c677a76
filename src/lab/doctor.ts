// Checks what the lab needs from this machine (root, tools, kernel features) and says how to get what is missing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dockerAvailable, networksAnswer } from '../backends/docker/engine.js';
import { describeForward, forwardState } from '../backends/docker/host-rules.js';
import { linkShapingChecks } from './doctor-netem.js';

const exec = promisify(execFile);
/** How fast the engine must answer a network listing. */
const NETWORK_LIST_MS = 5000;

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** how to fix it when not ok */
  fix?: string;
  /** false: only some features need it */
  required: boolean;
}

async function sh(cmd: string, input?: string): Promise<{ ok: boolean; out: string }> {
  try {
    const child = exec('sh', ['-c', cmd], { timeout: 10000 });
    if (input !== undefined) child.child.stdin?.end(input);
    const { stdout, stderr } = await child;
    return { ok: true, out: (stdout + stderr).trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: ((e.stderr ?? '') + (e.stdout ?? '')).trim() || e.message };
  }
}

/** Runs a probe inside a throwaway namespace so nothing on the host is touched. */
async function inScratchNs(script: string): Promise<{ ok: boolean; out: string }> {
  const ns = `olab-doc${process.pid}-chk`;
  await sh(`ip netns add ${ns}`);
  try {
    return await sh(`ip netns exec ${ns} sh -ec '${script.replace(/'/g, `'\\''`)}'`);
  } finally {
    await sh(`ip netns del ${ns}`);
  }
}

function check(name: string, r: { ok: boolean; out: string }, fix: string, required = true): Check {
  return { name, ok: r.ok, detail: r.out.split('\n')[0] ?? '', required, ...(r.ok ? {} : { fix }) };
}

/** A deadlocked engine (moby/moby#46661) still answers pings but never a network listing. */
async function networkListing(): Promise<Check> {
  try {
    const ms = await networksAnswer(NETWORK_LIST_MS);
    return { name: 'docker engine answers network calls', ok: true, detail: `network listing answered in ${ms.toFixed(0)} ms`, required: false };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { name: 'docker engine answers network calls', ok: false, detail: msg, fix: msg, required: false };
  }
}

/** Whether bridged lab traffic meets the host's FORWARD chain (the Docker backend then adds its own accepts). */
async function hostForward(): Promise<Check> {
  const s = await forwardState();
  const detail = `${describeForward(s)}${s.needsAccept ? ': Docker labs add a commented FORWARD accept per lab bridge, removed with the lab' : ''}`;
  return { name: 'host FORWARD chain, br_netfilter (docker backend)', ok: true, detail, required: false };
}

export async function runDoctor(): Promise<Check[]> {
  const root = process.getuid?.() === 0;
  const checks: Check[] = [{ name: 'root', ok: root, detail: root ? 'running as root' : 'not root', required: true, ...(root ? {} : { fix: 'run as root (sudo ./lab ...): namespaces and firewall rules need it' }) }];
  checks.push(check('iproute2', await sh('ip -V'), 'apt-get install iproute2'));
  checks.push(check('nftables', await sh('nft --version'), 'apt-get install nftables'));
  const ipt = await sh('iptables -V');
  checks.push(check('iptables', ipt, 'apt-get install iptables'));
  if (!root) return checks;
  checks.push(check('network namespaces, veth, bridge', await inScratchNs('ip link add v0 type veth peer name v1 && ip link add b0 type bridge && ip link set v0 master b0'), 'a kernel with CONFIG_VETH and CONFIG_BRIDGE'));
  checks.push(check('iptables bpf match (modulo dispatch)', await inScratchNs('iptables -t raw -A PREROUTING -m bpf --bytecode "1,6 0 0 0" -j ACCEPT'), 'a kernel with CONFIG_NETFILTER_XT_MATCH_BPF (xt_bpf)'));
  checks.push(check('nft jhash map (table dispatch)', await inScratchNs('echo "table ip t { chain c { type filter hook prerouting priority 0; meta mark set jhash ip saddr mod 4 seed 0x0 map { 0 : 1, 1 : 2, 2 : 3, 3 : 4 }; }; }" | nft -f -'), 'a kernel with nft_hash (CONFIG_NFT_HASH)'));
  checks.push(check('nft meta pkttype set (broadcast scheme)', await inScratchNs('echo "table ip t { chain c { type filter hook prerouting priority 0; meta pkttype broadcast meta pkttype set host; }; }" | nft -f -'), 'a kernel with nft_meta set support'));
  checks.push(...(await linkShapingChecks()));
  const engine = await dockerAvailable(3000);
  checks.push(check('docker engine (docker backend)', { ok: engine.ok, out: engine.reason }, `${engine.reason}; bash scripts/ensure-docker.sh starts one (only the docker backend needs it)`, false));
  if (engine.ok) checks.push(await networkListing());
  checks.push(await hostForward());
  checks.push(check('mmdebstrap (offline node image)', await sh('command -v mmdebstrap'), 'apt-get install mmdebstrap (only to build the Docker node image without a registry)', false));
  return checks;
}
