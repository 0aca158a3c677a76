// Reads a topology file: YAML with positions, schema validation and resolution; every problem becomes a TopologyError.
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { core } from 'zod';
import { TopologyError, type TopologyIssue } from './errors.js';
import { resolveTopology, type FieldPath, type FieldProblem } from './resolve.js';
import { topologySchema } from './schema.js';
import type { Topology } from './types.js';

/** Reads, validates and resolves a topology file; throws TopologyError on any problem. */
export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message = `cannot read the file: ${err.message}`;
    throw new TopologyError([{ file, line: 1, column: 1, field: 'file', message }]);
  }
  return parseTopology(text, file);
}

/** Validates and resolves topology YAML `text`; `file` names it in messages. */
export function parseTopology(text: string, file: string): Topology {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, field: string, message: string): TopologyIssue => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, field, message };
  };

  if (doc.errors.length > 0) {
    throw new TopologyError(
      doc.errors.map((e) =>
        e.code === 'DUPLICATE_KEY'
          ? at(e.pos[0], fieldOfKeyAt(doc, e.pos[0]) ?? 'yaml', 'duplicate key: each key may appear once')
          : at(e.pos[0], 'yaml', `YAML syntax error: ${e.message}`),
      ),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    throw new TopologyError([at(0, 'yaml', `cannot read the YAML: ${(e as Error).message}`)]);
  }

  const locate = (p: FieldProblem, atKey = false): TopologyIssue =>
    at(offsetOf(doc, p.path, atKey), p.path.length > 0 ? p.path.join('.') : 'topology', p.message);

  const parsed = topologySchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) => zodProblems(i, [])).map((p) => locate(p, p.atKey));
    throw new TopologyError(sortIssues(issues));
  }
  const result = resolveTopology(parsed.data, file);
  if (!result.ok) throw new TopologyError(sortIssues(result.problems.map((p) => locate(p))));
  return result.topology;
}

type Problem = FieldProblem & { atKey?: boolean };

/** One problem per zod issue: unknown keys split per key, unions reduced to the branch the value was meant for. */
function zodProblems(issue: core.$ZodIssue, prefix: FieldPath): Problem[] {
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

function sortIssues(issues: TopologyIssue[]): TopologyIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
