// Doctor's link-shaping checks: tbf (`rate`) and netem (`delay`, `jitter`), each tried on lo of a throwaway namespace.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NETEM_MODULE } from '../links/link-shape.js';
import type { Check } from './doctor.js';

const run = promisify(execFile);

/** Runs `tc qdisc add dev lo root WORDS` in a namespace made for it (and removed); the output when it fails. */
async function tryQdisc(words: string[]): Promise<{ ok: boolean; out: string }> {
  const ns = `olab-doc${process.pid}-tc`;
  await run('ip', ['netns', 'add', ns], { timeout: 10_000 });
  try {
    await run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', ...words], { timeout: 10_000 });
    return { ok: true, out: `tc qdisc add ... ${words[0]} works` };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, out: (e.stderr ?? '').trim() || e.message };
  } finally {
    await run('ip', ['netns', 'del', ns], { timeout: 10_000 }).catch(() => {});
  }
}

/** tbf for `rate` (links, lab shape) and netem for `delay`/`jitter`; netem missing names the module. Not required. */
export async function linkShapingChecks(): Promise<Check[]> {
  const tbf = await tryQdisc(['tbf', 'rate', '10mbit', 'burst', '32768', 'latency', '50ms']);
  const netem = await tryQdisc(['netem', 'delay', '10ms']);
  return [
    { name: 'tc tbf (links: rate, lab shape)', ok: tbf.ok, detail: tbf.out, required: false, ...(tbf.ok ? {} : { fix: 'a kernel with CONFIG_NET_SCH_TBF (sch_tbf)' }) },
    {
      name: 'tc netem (links: delay, jitter)',
      ok: netem.ok,
      detail: netem.ok ? netem.out : `no ${NETEM_MODULE} in this kernel (${netem.out})`,
      required: false,
      ...(netem.ok ? {} : { fix: `this kernel has no ${NETEM_MODULE}: links' delay and jitter cannot work (a kernel with CONFIG_NET_SCH_NETEM, or modprobe ${NETEM_MODULE} where it is a module); rate works without it (tbf)` }),
    },
  ];
}
