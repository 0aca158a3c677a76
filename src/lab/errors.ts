// Typed errors of lab operations, with the exit code the command line gives them.

/** A lab operation that cannot proceed (exit code 1). */
export class LabError extends Error {
  override name = 'LabError';
  readonly exitCode: number = 1;
}

/** Bad input from the user: flags, names, files (exit code 2, nothing created). */
export class UsageError extends LabError {
  override name = 'UsageError';
  override readonly exitCode: number = 2;
}
