// InputError: every problem found in an input file (topology, scenario), each located by file, line, column and field.
import { OlabError } from '../util/errors.js';

export interface InputIssue {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** dotted path of the field at fault, e.g. `servers.1.address` or `timeline.0.do` */
  field: string;
  message: string;
}

/** `FILE:LINE:COLUMN: field: message`, on one line. */
export function formatIssue(issue: InputIssue): string {
  const message = issue.message.replace(/\s*\n\s*/g, ' ').trim();
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.field}: ${message}`;
}

/** Bad input: the command exits 2 and creates nothing. */
export class InputError extends OlabError {
  override readonly exitCode: number = 2;
  readonly issues: InputIssue[];

  constructor(issues: InputIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InputError';
    this.issues = issues;
  }
}
