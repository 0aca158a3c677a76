// watchd's entry point, started detached by `lab up`: `node dist/src/watchd/main.js --lab NAME`; SIGTERM stops it (and its prober).
import { parseArgs } from 'node:util';
import { readState } from '../lab/state.js';
import { WatchdDaemon } from './daemon.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { lab: { type: 'string' } } });
  if (!values.lab) throw new Error('--lab NAME is required');
  const state = await readState(values.lab);
  if (!state) throw new Error(`no lab named "${values.lab}"`);
  const daemon = new WatchdDaemon(state);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => void daemon.stop(sig).finally(() => process.exit(0)));
  }
  await daemon.start();
}

main().catch((e: unknown) => {
  process.stderr.write(`watchd: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
