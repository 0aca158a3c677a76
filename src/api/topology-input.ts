// The topology a program hands startLab: a file path, or an inline object validated exactly as a file is (same schema, same resolver).
import { resolve } from 'node:path';
import { TopologyError } from '../topology-file/errors.js';
import { loadTopology } from '../topology-file/load.js';
import { resolveTopology } from '../topology-file/resolve.js';
import { topologySchema } from '../topology-file/schema.js';
import type { Topology } from '../topology/types.js';
import { UsageError } from '../util/errors.js';
import type { InputIssue } from '../yaml/input-error.js';
import { validate, type FieldProblem } from '../yaml/located-yaml.js';

/** What names an inline topology in messages and in the lab's state. */
export const INLINE_TOPOLOGY = '<inline topology>';

/** A topology's fields as a file writes them (name, scheme, servers, dispatch, watchd, ...). */
export type TopologyObject = Record<string, unknown>;

/** Bad topology input: one line per problem, `FILE:LINE:COLUMN: field: message` for files, `<inline topology>: field: message` for objects (exit code 2). */
export class TopologyUsageError extends UsageError {
  override name = 'TopologyUsageError';
  constructor(
    message: string,
    /** the problems, located as `lab up` locates them (line and column 0 for an object) */
    readonly issues: InputIssue[],
  ) {
    super(message);
  }
}

function issuesOf(problems: FieldProblem[]): InputIssue[] {
  return problems.map((p) => ({ file: INLINE_TOPOLOGY, line: 0, column: 0, field: p.path.length ? p.path.join('.') : 'topology', message: p.message }));
}

function objectError(problems: FieldProblem[]): TopologyUsageError {
  const issues = issuesOf(problems);
  return new TopologyUsageError(issues.map((i) => `${i.file}: ${i.field}: ${i.message}`).join('\n'), issues);
}

/** Validates and resolves an inline topology with the file's schema and resolver; throws TopologyUsageError. */
export function topologyFromObject(input: TopologyObject): Topology {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw objectError([{ path: [], message: 'must be a mapping of topology fields' }]);
  // a JSON round trip: what a YAML file could hold (no functions, no undefined fields, no class instances)
  const parsed = validate(topologySchema, JSON.parse(JSON.stringify(input)) as unknown);
  if (!parsed.ok) throw objectError(parsed.problems);
  const result = resolveTopology(parsed.value, INLINE_TOPOLOGY);
  if (!result.ok) throw objectError(result.problems);
  return result.topology;
}

/** A topology file, as `lab up -t FILE` reads it; its problems become one TopologyUsageError. */
export function topologyFromFile(file: string): Topology {
  try {
    return loadTopology(file);
  } catch (err) {
    if (err instanceof TopologyError) throw new TopologyUsageError(err.message, err.issues);
    throw err;
  }
}

/** The topology and what the lab's state records as its file. */
export function readTopologyInput(input: string | TopologyObject): { topology: Topology; file: string } {
  if (typeof input === 'string') return { topology: topologyFromFile(input), file: resolve(input) };
  return { topology: topologyFromObject(input), file: INLINE_TOPOLOGY };
}
