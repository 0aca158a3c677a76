// TopologyError: every problem found in a topology file, each located by file, line, column and field.
import { InputError, formatIssue, type InputIssue } from '../yaml/input-error.js';

export type TopologyIssue = InputIssue;
export { formatIssue };

export class TopologyError extends InputError {
  constructor(issues: TopologyIssue[]) {
    super(issues);
    this.name = 'TopologyError';
  }
}
