// Picks the failed assertions out of tap's output, each with the names of the tests around it and its diagnostic, for a closing summary.

export interface TapFailure {
  path: string[];
  diagnostic: string[];
}

const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const NOT_OK = /^(\s*)not ok \d+ - (.*?)(?: # time=.*)?$/;

/** Every `not ok` line of the run that no deeper `not ok` explains, outermost name first. */
export function tapFailures(output: string): TapFailure[] {
  const lines = output.split('\n');
  const names: string[] = [];
  const found: TapFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const sub = SUBTEST.exec(lines[i]!);
    if (sub) {
      names.length = sub[1]!.length / 4;
      names.push(sub[2]!);
      continue;
    }
    const bad = NOT_OK.exec(lines[i]!);
    if (!bad) continue;
    const depth = bad[1]!.length / 4;
    const path = [...names.slice(0, depth), bad[2]!];
    found.push({ path, diagnostic: diagnosticAfter(lines, i + 1, bad[1]!) });
  }
  return found.filter((f) => !found.some((g) => g !== f && g.path.length > f.path.length && f.path.every((p, k) => g.path[k] === p)));
}

/** The YAML block ("  ---" .. "  ...") that tap prints under a failed assertion, without its fences. */
function diagnosticAfter(lines: string[], from: number, indent: string): string[] {
  if (lines[from]?.trim() !== '---') return [];
  const out: string[] = [];
  for (let i = from + 1; i < lines.length && lines[i]!.trim() !== '...'; i++) out.push(lines[i]!.slice(indent.length + 2));
  return out;
}

/** The summary printed before "N passed, N failed": each failure's path and the first lines of its diagnostic. */
export function formatTapFailures(failures: TapFailure[], maxLines = 14, maxFailures = 30): string {
  if (failures.length === 0) return '';
  const shown = failures.slice(0, maxFailures).map((f) => {
    const diag = f.diagnostic.slice(0, maxLines).map((l) => `      ${l}`);
    if (f.diagnostic.length > maxLines) diag.push(`      … ${f.diagnostic.length - maxLines} more lines`);
    return [`  - ${f.path.join(' > ')}`, ...diag].join('\n');
  });
  const more = failures.length > maxFailures ? `\n  … and ${failures.length - maxFailures} more` : '';
  return `failed (${failures.length}):\n${shown.join('\n')}${more}`;
}
