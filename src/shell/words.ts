// Splits a shell command line into words the way sh does for plain words: blanks separate, '...' and "..." quote, \ escapes.
import { UsageError } from '../util/errors.js';

interface Scan {
  words: string[];
  word: string;
  /** a word has started (so "" is an empty word, not nothing) */
  started: boolean;
  quote: '"' | "'" | null;
}

function endWord(s: Scan): void {
  if (s.started) s.words.push(s.word);
  s.word = '';
  s.started = false;
}

/** One character inside quotes; returns how many characters it used. */
function quoted(s: Scan, line: string, i: number): number {
  const c = line[i]!;
  if (c === s.quote) s.quote = null;
  else if (c === '\\' && s.quote === '"' && '"\\$`'.includes(line[i + 1] ?? 'x')) return (s.word += line[i + 1]!), 2;
  else s.word += c;
  return 1;
}

/** One character outside quotes; returns how many characters it used. */
function plain(s: Scan, line: string, i: number): number {
  const c = line[i]!;
  if (/\s/.test(c)) return endWord(s), 1;
  s.started = true;
  if (c === '"' || c === "'") s.quote = c;
  else if (c === '\\' && i + 1 < line.length) return (s.word += line[i + 1]!), 2;
  else s.word += c;
  return 1;
}

export function splitWords(line: string): string[] {
  const s: Scan = { words: [], word: '', started: false, quote: null };
  for (let i = 0; i < line.length; ) i += s.quote ? quoted(s, line, i) : plain(s, line, i);
  if (s.quote) throw new UsageError(`unmatched ${s.quote} in the command line`);
  endWord(s);
  return s.words;
}
