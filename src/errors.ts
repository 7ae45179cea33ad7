/**
 * Typed errors. Every message names the function, the argument, the constraint and the offending value, in the form
 * "fn: invalid argument. `x` must be …. Value: `…`." so that a researcher can fix the call without reading code.
 */

/** Base class: everything ntk-lab throws on purpose is an NtkError (the CLI maps it to exit code 2). */
export class NtkError extends Error {
  override readonly name: string = 'NtkError';
  /** A stable machine-readable code, e.g. `invalid_argument`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Render a value for an error message: short, and never a 10-million-element dump. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(value))
    return value.length > 10 ? `[${value.slice(0, 10).join(', ')}, …]` : `[${value.join(', ')}]`;
  try {
    const s = JSON.stringify(value);
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(value);
  }
}

/** A caller passed something that violates a documented constraint. */
export class InvalidArgumentError extends NtkError {
  override readonly name = 'InvalidArgumentError';
  readonly fn: string;
  readonly argument: string;
  readonly constraint: string;
  readonly value: unknown;
  constructor(fn: string, argument: string, constraint: string, value: unknown, hint?: string) {
    super(
      'invalid_argument',
      `${fn}: invalid argument. \`${argument}\` must be ${constraint}. Value: \`${showValue(value)}\`.${hint ? ` ${hint}` : ''}`,
    );
    this.fn = fn;
    this.argument = argument;
    this.constraint = constraint;
    this.value = value;
  }
}

/** A numerical routine could not complete (not positive definite, no convergence, singular system). */
export class NumericalError extends NtkError {
  override readonly name = 'NumericalError';
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** A file could not be read or has the wrong format (truncated, bad magic, bad header). */
export class FormatError extends NtkError {
  override readonly name = 'FormatError';
  readonly path: string;
  constructor(path: string, message: string) {
    super('format_error', `${path}: ${message}`);
    this.path = path;
  }
}

/** An experiment config or CLI option is invalid; `path` points at the field (e.g. `training.lr`). */
export class ConfigError extends NtkError {
  override readonly name = 'ConfigError';
  readonly path: string;
  constructor(path: string, message: string) {
    super('config_error', `${path}: ${message}`);
    this.path = path;
  }
}

/**
 * A job does not fit: the memory it needs (or the length of one of its arrays) exceeds what this machine has,
 * checked before allocating (src/util/memory.ts). `argument` names what sets the size (`x1`, `n`, `--data`, …).
 */
export class ResourceError extends NtkError {
  override readonly name = 'ResourceError';
  readonly argument: string;
  /** the sentence after `argument: ` */
  readonly detail: string;
  readonly bytesNeeded: number;
  readonly bytesAvailable: number;
  constructor(argument: string, detail: string, bytesNeeded: number, bytesAvailable: number) {
    super('resource', `${argument}: ${detail}`);
    this.argument = argument;
    this.detail = detail;
    this.bytesNeeded = bytesNeeded;
    this.bytesAvailable = bytesAvailable;
  }
  /** The same error for the option that set the size (a CLI names `--data` where the library said `x1`). */
  forArgument(argument: string): ResourceError {
    return new ResourceError(argument, this.detail, this.bytesNeeded, this.bytesAvailable);
  }
}

/**
 * A computation produced NaN or ±Infinity from finite inputs (overflow). `index` is the first bad entry (row, col),
 * `count` how many there are, `why` what caused it (e.g. the inputs' largest ‖x‖² overflows).
 */
export class NonFiniteError extends NtkError {
  override readonly name = 'NonFiniteError';
  readonly fn: string;
  readonly what: string;
  readonly index: readonly [number, number];
  readonly value: number;
  readonly count: number;
  readonly why: string;
  constructor(fn: string, what: string, index: readonly [number, number], value: number, count: number, why: string) {
    super(
      'non_finite',
      `${fn}: the ${what} has ${count} non-finite ${count === 1 ? 'entry' : 'entries'} (the first at (${index[0]}, ${index[1]}) = ${value}): ${why}`,
    );
    this.fn = fn;
    this.what = what;
    this.index = index;
    this.value = value;
    this.count = count;
    this.why = why;
  }
}

/**
 * Writing an output failed or cannot work: disk full, file too large, permission, a missing folder, a folder or a
 * socket where a file should go. `path` is the output as given; `errno` the system's code (ENOSPC, EFBIG, …) if any.
 */
export class OutputError extends NtkError {
  override readonly name = 'OutputError';
  readonly path: string;
  readonly errno: string | undefined;
  constructor(path: string, message: string, errno?: string) {
    super('output_error', `${path}: ${message}`);
    this.path = path;
    this.errno = errno;
  }
}

/**
 * A worker refuses a distributed kernel job (src/distributed): its ntk-lab version is not the job's, or what it received
 * does not hash to the job's content hash. `job` is the job hash, `worker` who refused (host:pid).
 */
export class JobMismatchError extends NtkError {
  override readonly name = 'JobMismatchError';
  readonly job: string;
  readonly worker: string;
  constructor(job: string, worker: string, why: string) {
    super('job_mismatch', `worker ${worker} refuses job ${job.slice(0, 16)}…: ${why}`);
    this.job = job;
    this.worker = worker;
  }
}
