// Tab completion of the shell, pure: the text before the cursor -> candidate words and the word they complete.

/** What an argument position completes to: the lab's node names, or fixed words. */
export type ArgKind = 'node' | 'command' | readonly string[];

export interface CompletionSpec {
  name: string;
  /** one entry per positional argument */
  args: readonly ArgKind[];
  /** offered after the positionals for a word starting with "-" (e.g. bench start's flags) */
  flags?: readonly string[];
}

/** readline's completer result: the candidates, and the text (the word under the cursor) they replace. */
export type Completion = [string[], string];

function candidates(kind: ArgKind | undefined, specs: readonly CompletionSpec[], nodes: readonly string[]): readonly string[] {
  if (kind === undefined) return [];
  if (kind === 'node') return nodes;
  if (kind === 'command') return specs.map((s) => s.name);
  return kind;
}

/** Candidates for the word at `position` (1 = the first argument) of the line starting with `first`. */
function forPosition(first: string, position: number, word: string, specs: readonly CompletionSpec[], nodes: readonly string[]): readonly string[] {
  const spec = specs.find((s) => s.name === first);
  if (!spec) return [];
  if (position <= spec.args.length) return candidates(spec.args[position - 1], specs, nodes);
  return word.startsWith('-') ? (spec.flags ?? []) : [];
}

/**
 * Completes the word under the cursor: the first word to a command name (or a node name: `s0 ip addr` runs in s0),
 * later words by the command's argument kinds. A single match gets a trailing space, as in a shell.
 */
export function complete(before: string, specs: readonly CompletionSpec[], nodes: readonly string[]): Completion {
  const parts = before.trimStart().split(/\s+/);
  const word = parts.at(-1)!;
  const pool = parts.length === 1 ? [...specs.map((s) => s.name), ...nodes] : forPosition(parts[0]!, parts.length - 1, word, specs, nodes);
  const hits = [...new Set(pool)].filter((c) => c.startsWith(word)).sort();
  return [hits.length === 1 ? [`${hits[0]} `] : hits, word];
}
