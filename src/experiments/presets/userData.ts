/**
 * The user's own data in a preset (`ntk run PRESET --set data=SPEC`, or a config's `data:`): what each preset says
 * its data must be (`DataNeed`), the check made when the config is validated (before any run folder or unit), the
 * spec the preset then loads (`n` capped by the preset's size, the preset's label encoding and normalization where
 * the spec sets none), and the lines that say in the report which data was used and that it is not the paper's.
 */
import { type Dataset, type DatasetSpec, checkDatasetSpec, formatDatasetSpec, loadDataset } from '../../data/index.js';
import { ConfigError, InvalidArgumentError, NtkError } from '../../errors.js';

export interface DataNeed {
  /** What the data must be, in words (errors, docs/presets.md), e.g. "classification data with ≥ 2 classes". */
  readonly what: string;
  readonly task: 'classification' | 'regression' | 'any';
  readonly minClasses?: number;
  readonly maxClasses?: number;
  /** The paper's data, in words (the report's note that this run's data differ). */
  readonly paper: string;
  /** Spec keys the preset sets when the user's spec does not (e.g. its label encoding, `normalize=sphere`). */
  readonly defaults?: Partial<Pick<DatasetSpec, 'labels' | 'normalize'>>;
  /** Further checks on the loaded data: the constraint violated, or null. */
  readonly check?: (ds: Dataset) => string | null;
}

/** The user's data spec of a config, or null (one spec: presets take one user data set). */
export function userSpec(data: readonly string[] | undefined): string | null {
  return data && data.length > 0 ? data[0] : null;
}

function describe(ds: Dataset): string {
  const shape = ds.imageShape ? ds.imageShape.join('×') : String(ds.X.cols);
  return ds.task === 'classification'
    ? `classification, ${ds.classes.length} class${ds.classes.length === 1 ? '' : 'es'}, n = ${ds.X.rows}, inputs ${shape}`
    : `regression, n = ${ds.X.rows}, inputs ${shape}`;
}

/**
 * The spec a preset loads for the user's `spec`: its `n` capped at `cap` (all rows when the data have fewer), the
 * preset's defaults for keys the spec leaves unset. Returns the canonical spec string and the loaded data.
 */
export function resolveUserData(
  preset: string,
  need: DataNeed,
  spec: string,
  cap: number,
): { spec: string; ds: Dataset } {
  const fail = (constraint: string): never => {
    throw new ConfigError('data', `preset ${preset} needs ${constraint}; got ${spec}`);
  };
  let parsed: DatasetSpec;
  try {
    parsed = checkDatasetSpec(spec);
  } catch (e) {
    if (e instanceof NtkError) fail(`a valid dataset spec (${e.message})`);
    throw e;
  }
  // first without the preset's label encoding (a regression set takes none), then with it for classification data
  const base: DatasetSpec = {
    ...parsed,
    ...(parsed.normalize === undefined && need.defaults?.normalize ? { normalize: need.defaults.normalize } : {}),
  };
  const load = (spec: DatasetSpec): Dataset => {
    try {
      return loadCapped({ ...spec, n: Math.min(spec.n ?? cap, cap) }, spec);
    } catch (e) {
      if (e instanceof NtkError) fail(`data that load (${e.message})`);
      throw e;
    }
  };
  let ds = load(base);
  const bad = violation(need, ds);
  if (bad) fail(`${need.what}: ${bad} (the data: ${describe(ds)})`);
  if (ds.task === 'classification' && parsed.labels === undefined && need.defaults?.labels)
    ds = load({ ...base, labels: need.defaults.labels });
  return { spec: ds.spec, ds };
}

/** Load with `n` capped; when the data have fewer rows than the cap, all of them (the spec without `n`). */
function loadCapped(capped: DatasetSpec, uncapped: DatasetSpec): Dataset {
  try {
    return loadDataset(formatDatasetSpec(capped));
  } catch (e) {
    const tooFew = e instanceof InvalidArgumentError && e.fn === 'loadDataset' && e.argument === 'n';
    if (!tooFew || uncapped.n !== undefined) throw e;
    return loadDataset(formatDatasetSpec(uncapped));
  }
}

function violation(need: DataNeed, ds: Dataset): string | null {
  if (need.task !== 'any' && ds.task !== need.task) return `${need.task} data, not ${ds.task}`;
  if (ds.task === 'classification') {
    const k = ds.classes.length;
    if (need.minClasses !== undefined && k < need.minClasses) return `at least ${need.minClasses} classes, not ${k}`;
    if (need.maxClasses !== undefined && k > need.maxClasses) return `at most ${need.maxClasses} classes, not ${k}`;
  }
  return need.check?.(ds) ?? null;
}

/** The report's data line: what this run used, against the paper's data. */
export function userDataNote(need: DataNeed, spec: string, ds: Dataset): string {
  return `Data: the user's data set ${spec} (${describe(ds)}), not the paper's (${need.paper}): the verdicts are about this data, and a claim the paper makes for its own data may not hold for it.`;
}

/** `spec` with some keys replaced (e.g. a subsample size and seed of a sweep). */
export function specWith(spec: string, keys: Partial<Pick<DatasetSpec, 'n' | 'seed' | 'split'>>): string {
  return formatDatasetSpec({ ...checkDatasetSpec(spec), ...keys });
}

/** A DataNeed check: every input row has unit norm (the dot-product kernels of the sphere presets). */
export function unitRows(ds: Dataset): string | null {
  const { rows, cols, data } = ds.X;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += data[i * cols + j] ** 2;
    if (!(Math.abs(s - 1) < 1e-9)) return `inputs on the unit sphere (keep normalize=sphere); row ${i} has ‖x‖² = ${s}`;
  }
  return null;
}
