/** Exit codes of the CLI, stable for scripts. */
export const ExitCode = {
  Ok: 0,
  /** The input (a file, a line) was wrong, or a computation had no answer. */
  DataError: 1,
  /** The command line itself was wrong. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: its message is printed as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.DataError,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.Usage);
