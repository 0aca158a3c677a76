// The one error root of the lab: every error the lab raises on purpose carries the exit code the command line gives it.

/** An error the lab raises on purpose: its message is for the user, its exit code for the shell (1: an operation failed, 2: bad input). */
export class OlabError extends Error {
  override name = 'OlabError';
  readonly exitCode: number = 1;
}

/** A lab operation that cannot proceed (exit code 1). */
export class LabError extends OlabError {
  override name = 'LabError';
}

/** Bad input from the user: flags, names, values (exit code 2, nothing created). */
export class UsageError extends OlabError {
  override name = 'UsageError';
  override readonly exitCode: number = 2;
}

/** The exit code for any thrown value: the lab's own errors say theirs; anything else is a failed operation. */
export function exitCodeOf(err: unknown): number {
  return err instanceof OlabError ? err.exitCode : 1;
}
