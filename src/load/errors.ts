// The load generator's usage error: names the flag (or file:line) so the CLI can print one line and exit 2.
import { UsageError } from '../util/errors.js';

export class LoadUsageError extends UsageError {
  constructor(
    /** The flag at fault, e.g. "--rate" */
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'LoadUsageError';
  }
}
