/** A CLI subcommand: parse its own argv (node:util parseArgs), call the library, write outputs atomically. */
export interface Command {
  readonly name: string;
  /** One line for `ntk --help`. */
  readonly summary: string;
  /** Full usage text for `ntk <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throw NtkError for bad input (exit 2). */
  run(argv: string[]): Promise<number>;
}
