// The load generator's usage error: names the flag (or file:line) so the CLI can print one line and exit 2.

export class LoadUsageError extends Error {
  constructor(
    /** The flag at fault, e.g. "--rate" */
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'LoadUsageError';
  }
}
