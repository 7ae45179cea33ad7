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
