// TopologyError: every problem found in a topology file, each located by file, line, column and field.

export interface TopologyIssue {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  /** dotted path of the field at fault, e.g. `servers.1.address` or `client.link` */
  field: string;
  message: string;
}

/** `FILE:LINE:COLUMN: field: message`, on one line. */
export function formatIssue(issue: TopologyIssue): string {
  const message = issue.message.replace(/\s*\n\s*/g, ' ').trim();
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.field}: ${message}`;
}

export class TopologyError extends Error {
  readonly issues: TopologyIssue[];

  constructor(issues: TopologyIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'TopologyError';
    this.issues = issues;
  }
}
