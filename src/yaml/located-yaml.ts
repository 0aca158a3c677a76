// YAML with positions: parses a document, validates it with a zod schema and turns every problem into a located InputIssue.
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { core, ZodType } from 'zod';
import type { InputIssue } from './input-error.js';

export type FieldPath = (string | number)[];

export interface FieldProblem {
  path: FieldPath;
  message: string;
  /** point at the key rather than the value (unknown keys) */
  atKey?: boolean;
}

/** A parsed YAML file that can say where any field of it is. */
export class LocatedYaml {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; YAML syntax errors and duplicate keys come back as issues. */
  static parse(text: string, file: string): { yaml: LocatedYaml; issues: InputIssue[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const yaml = new LocatedYaml(file, doc, lines);
    const issues = doc.errors.map((e) =>
      e.code === 'DUPLICATE_KEY'
        ? yaml.issueAtOffset(e.pos[0], fieldOfKeyAt(doc, e.pos[0]) ?? 'yaml', 'duplicate key: each key may appear once')
        : yaml.issueAtOffset(e.pos[0], 'yaml', `YAML syntax error: ${e.message}`),
    );
    return { yaml, issues };
  }

  issueAtOffset(offset: number, field: string, message: string): InputIssue {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, field, message };
  }

  /** The issue for a problem at `path` (or its nearest existing ancestor); `root` names the whole document. */
  issue(p: FieldProblem, root: string): InputIssue {
    return this.issueAtOffset(offsetOf(this.doc, p.path, p.atKey === true), p.path.length > 0 ? p.path.join('.') : root, p.message);
  }

  toJS(): { data: unknown } | { issue: InputIssue } {
    try {
      return { data: this.doc.toJS() };
    } catch (e) {
      return { issue: this.issueAtOffset(0, 'yaml', `cannot read the YAML: ${(e as Error).message}`) };
    }
  }
}

/** Reads a file's text; a file that cannot be read is an issue at 1:1. */
export function readInput(file: string): { text: string } | { issue: InputIssue } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (e) {
    return { issue: { file, line: 1, column: 1, field: 'file', message: `cannot read the file: ${(e as NodeJS.ErrnoException).message}` } };
  }
}

/** Validates `data` with `schema`: the parsed value, or one problem per zod issue. */
export function validate<T>(schema: ZodType<T>, data: unknown): { ok: true; value: T } | { ok: false; problems: FieldProblem[] } {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.flatMap((i) => zodProblems(i as core.$ZodIssue, [])) };
}

/** One problem per zod issue: unknown keys split per key, unions reduced to the branch the value was meant for. */
export function zodProblems(issue: core.$ZodIssue, prefix: FieldPath): FieldProblem[] {
  const path = [...prefix, ...(issue.path as FieldPath)];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: [...path, k], message: `unknown key "${k}"`, atKey: true }));
  }
  if (issue.code === 'invalid_union') {
    // a branch that rejected the value's type outright is not the one the user meant
    const meant = issue.errors.filter((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (meant.length === 1) return meant[0]!.flatMap((i) => zodProblems(i, path));
  }
  return [{ path, message: issue.message }];
}

/** Offset of the node at `path`, or of its nearest existing ancestor; with `atKey`, of the key itself. */
function offsetOf(doc: Document, path: FieldPath, atKey: boolean): number {
  if (atKey && path.length > 0) {
    const parent = doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path.at(-1)));
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

/** Dotted path of the map key that starts at `offset`, if any. */
function fieldOfKeyAt(doc: Document, offset: number): string | undefined {
  const walk = (node: unknown, path: FieldPath): string | undefined => {
    if (!isNode(node) || !('items' in node)) return undefined;
    const items = (node as { items: unknown[] }).items;
    for (const [i, item] of items.entries()) {
      if (isMap(node)) {
        const pair = item as { key: unknown; value: unknown };
        const key = isScalar(pair.key) ? String(pair.key.value) : String(i);
        if (isNode(pair.key) && pair.key.range?.[0] === offset) return [...path, key].join('.');
        const found = walk(pair.value, [...path, key]);
        if (found) return found;
      } else {
        const found = walk(item, [...path, i]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

export function sortIssues(issues: InputIssue[]): InputIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
