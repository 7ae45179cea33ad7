/** A CLI subcommand: parse its own argv (node:util parseArgs), call the library, write outputs atomically. */
export interface Command {
  /** Full usage text for `ntk <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throw NtkError for bad input (exit 2). */
  run(argv: string[]): Promise<number>;
}

/** A command's name and one-line summary (for `ntk --help`), and its module, loaded only when the command runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}
