// Labs a program brought up are taken down when the program is interrupted (SIGINT, SIGTERM), as `lab up` does on Ctrl-C.
import { downLab } from '../lab/down.js';

const open = new Set<string>();
let installed = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  process.stderr.write(`\noneip-lab: ${signal}: removing lab(s) ${[...open].join(', ')}\n`);
  await Promise.allSettled([...open].map((name) => downLab(name)));
  process.exit(130);
}

function handler(signal: NodeJS.Signals): void {
  void onSignal(signal);
}

/** Removes the lab if the process gets SIGINT or SIGTERM before `release` is called. */
export function downOnSignal(name: string): () => void {
  open.add(name);
  if (!installed) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    installed = true;
  }
  return () => {
    open.delete(name);
    if (open.size === 0 && installed) {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      installed = false;
    }
  };
}
