// The shell's command history across sessions: a plain file, one command a line, oldest first (~/.oneip_lab_history, or $OLAB_SHELL_HISTORY).
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const HISTORY_SIZE = 1000;

/** The history file; $OLAB_SHELL_HISTORY overrides it, and an empty value keeps no history. */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.OLAB_SHELL_HISTORY;
  if (set !== undefined) return set === '' ? undefined : set;
  return join(homedir(), '.oneip_lab_history');
}

/** The saved commands, newest first (as readline's `history` option wants them). */
export function loadHistory(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** Saves readline's history (newest first); a history that cannot be written is not worth an error. */
export function saveHistory(file: string | undefined, history: readonly string[]): void {
  if (!file) return;
  try {
    writeFileSync(file, [...history].slice(0, HISTORY_SIZE).reverse().join('\n') + '\n', { mode: 0o600 });
  } catch {
    // read-only home, no home: the session still works
  }
}
