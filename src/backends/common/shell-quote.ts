// Shell quoting of words and command lines, for scripts run in nodes and for messages that show a command.

/** Shell-quotes one word (left as is when it needs no quotes). */
export function shq(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Shell-style rendering of a command line. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(shq).join(' ');
}
