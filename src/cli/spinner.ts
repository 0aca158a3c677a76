// Progress spinners on stderr with ora: animated on a terminal, silent when output is not a terminal or CI=true.
import ora, { type Ora } from 'ora';

export function spinnerEnabled(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}

export interface Progress {
  step(text: string): void;
  succeed(text: string): void;
  fail(text?: string): void;
}

/** A spinner, or a no-op when not on a terminal. */
export function progress(first: string): Progress {
  if (!spinnerEnabled()) return { step: () => {}, succeed: () => {}, fail: () => {} };
  const spinner: Ora = ora({ text: first, stream: process.stderr, discardStdin: false }).start();
  return {
    step: (text) => {
      spinner.text = text;
    },
    succeed: (text) => spinner.succeed(text),
    fail: (text) => spinner.fail(text),
  };
}
