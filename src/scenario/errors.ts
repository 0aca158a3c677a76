// ScenarioError: every problem found in a scenario file, located by file, line, column and field (the command exits 2).
import { InputError, type InputIssue } from '../yaml/input-error.js';

export class ScenarioError extends InputError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'ScenarioError';
  }
}
