/**
 * Presets: named, documented experiments. A preset declares its header (the command that reproduces it and what it
 * costs), full defaults, quick overrides, the optional config sections it reads, a typed `params` schema, optional
 * cross-field checks, and `run(ctx)`. `definePreset` erases the params type behind closures, so the registry holds
 * plain `Preset` values and no type is asserted at the registry boundary.
 */
import { ConfigError } from '../errors.js';
import type { PaperVsHere, ReportTable } from '../report/html.js';
import type { FigureSpec } from '../report/figure.js';
import type { Rng } from '../util/random.js';
import type { DiskCache } from './cache.js';
import {
  checkCommon,
  configSchema,
  type ExperimentConfig,
  type JsonObject,
  type JsonValue,
  type SectionField,
} from './config.js';
import { ROOT, type Schema } from './schema.js';
import { didYouMean } from '../util/suggest.js';
import type { Dataset } from '../data/types.js';
import { type DataNeed, resolveUserData, userDataNote, userSpec } from './presets/userData.js';

export interface PresetHeader {
  /** The command that reproduces this experiment, e.g. `ntk run spectrum-demo`. */
  readonly command: string;
  /** Measured wall time on the reference machine (2 cores), e.g. `~3 s`. */
  readonly expectedTime: { readonly quick: string; readonly full: string };
}

export interface SectionInput {
  readonly title: string;
  /** Plain-language reading of the result with the numbers filled in; blank lines separate paragraphs. */
  readonly text?: string;
  /** Names of figures added with addFigure. */
  readonly figures?: readonly string[];
  readonly tables?: readonly ReportTable[];
}

/** What a preset's run() gets. */
export interface RunContext<P> {
  readonly config: ExperimentConfig<P>;
  /** Quick mode (reduced sizes). */
  readonly quick: boolean;
  /** Rng seeded with config.seed; derive streams with rng.split(key) so results do not depend on unit order. */
  readonly rng: Rng;
  readonly cache: DiskCache;
  readonly log: {
    /** Append one JSON object to metrics.jsonl (log outside cached computes so resumed runs have complete logs). */
    metric(obj: Record<string, JsonValue>): void;
    /** A line on stderr. */
    info(message: string): void;
  };
  /** Report progress: step of total done, with a message; prints a throttled line with ETA on stderr. */
  progress(step: number, total: number, message?: string): void;
  /** Throws InterruptedError if the run was interrupted (cache.getOrCompute also checks). */
  checkInterrupt(): void;
  /** Write results/<name>.json (typed arrays become lists, non-finite numbers strings). */
  addResult(name: string, value: unknown): void;
  /** Write figures/<name>.svg and its spec figures/<name>.json. */
  addFigure(name: string, spec: FigureSpec, caption?: string): void;
  /** Add a report section (figures by name). */
  addSection(section: SectionInput): void;
  /** Set the report's paper-versus-here block (claims with computed verdicts), shown first. */
  setPaperVsHere(block: PaperVsHere): void;
  /**
   * The user's data (`--set data=SPEC` / config `data:`), checked against the preset's `data` need when the config
   * was validated: the spec to load (n capped, the preset's defaults filled in) and the loaded data; null otherwise.
   */
  readonly userData?: UserData | null;
}

/** The user's data of a run: the spec the preset loads and the loaded data. */
export interface UserData {
  readonly spec: string;
  readonly ds: Dataset;
}

export interface PresetDefinition<P> {
  readonly name: string;
  readonly title: string;
  /** The paper and claim reproduced. */
  readonly reproduces: string;
  readonly description?: string;
  readonly header: PresetHeader;
  /** Optional config sections this preset reads (others are rejected). */
  readonly uses: readonly SectionField[];
  readonly params: Schema<P>;
  /** Full config defaults (without name/preset; those are filled in). */
  readonly defaults: JsonObject;
  /** Overrides applied on top of `defaults` with --quick. */
  readonly quick: JsonObject;
  /** Cross-field checks beyond the schemas ("impossible combinations"); throw ConfigError with the field path. */
  readonly check?: (config: ExperimentConfig<P>, userData: UserData | null) => void;
  /**
   * The user's data this preset takes in place of its own (`--set data=SPEC`): what it must be, and the cap on its
   * rows for a config (quick and full modes differ); or why the preset takes none (`refused`). Without it the
   * config's `data` is a section like the others (allowed when `uses` lists it, and not checked further).
   */
  readonly data?: (DataNeed & { readonly cap: (config: ExperimentConfig<P>) => number }) | { readonly refused: string };
  run(ctx: RunContext<P>): Promise<void>;
}

/** A validated config bound to its preset's run function. */
export interface BoundConfig {
  readonly config: ExperimentConfig<unknown>;
  run(core: Omit<RunContext<unknown>, 'config'>): Promise<void>;
}

/** A preset with its params type erased. */
export interface Preset {
  readonly name: string;
  readonly title: string;
  readonly reproduces: string;
  readonly description?: string;
  readonly header: PresetHeader;
  readonly uses: readonly SectionField[];
  readonly defaults: JsonObject;
  readonly quick: JsonObject;
  /** Validate a merged config object (everything before any computation). */
  validate(merged: JsonObject): BoundConfig;
}

export function definePreset<P>(def: PresetDefinition<P>): Preset {
  const schema = configSchema(def.params);
  return {
    name: def.name,
    title: def.title,
    reproduces: def.reproduces,
    description: def.description,
    header: def.header,
    uses: def.uses,
    defaults: def.defaults,
    quick: def.quick,
    validate(merged) {
      const config: ExperimentConfig<P> = schema.parse(merged, ROOT);
      if (config.preset !== def.name) {
        throw new ConfigError('preset', `is "${config.preset}" but this config is validated by preset "${def.name}"`);
      }
      const spec = userSpec(config.data);
      const need = def.data;
      if (need === undefined) {
        checkCommon(config, def.name, def.uses);
        def.check?.(config, null);
        return { config, run: (core) => def.run({ ...core, config, userData: null }) };
      }
      if (spec !== null && 'refused' in need)
        throw new ConfigError('data', `preset ${def.name} takes no user data: ${need.refused}; got ${spec}`);
      checkCommon(config, def.name, 'refused' in need ? def.uses : [...def.uses, 'data']);
      if (config.data && config.data.length > 1)
        throw new ConfigError('data', `preset ${def.name} takes one data spec; got ${config.data.length}`);
      // the user's data load and are checked here, before any run folder or unit exists
      const userData =
        spec !== null && !('refused' in need) ? resolveUserData(def.name, need, spec, need.cap(config)) : null;
      def.check?.(config, userData);
      return {
        config,
        run: (core) => {
          if (!userData || 'refused' in need) return def.run({ ...core, config, userData: null });
          const note = userDataNote(need, userData.spec, userData.ds);
          core.addSection({ title: 'Data', text: note });
          return def.run({
            ...core,
            config,
            userData,
            setPaperVsHere: (block) => core.setPaperVsHere({ ...block, setting: `${block.setting} ${note}` }),
          });
        },
      };
    },
  };
}

const REGISTRY = new Map<string, Preset>();

export function registerPreset(p: Preset): void {
  if (REGISTRY.has(p.name)) throw new ConfigError('preset', `"${p.name}" is registered twice`);
  REGISTRY.set(p.name, p);
}

export function listPresets(): Preset[] {
  return [...REGISTRY.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function getPreset(name: string): Preset {
  const p = REGISTRY.get(name);
  if (!p) {
    throw new ConfigError(
      'preset',
      `unknown preset "${name}"${didYouMean(name, [...REGISTRY.keys()], '"')}. Valid presets: ${
        listPresets()
          .map((x) => x.name)
          .join(', ') || '(none)'
      }`,
    );
  }
  return p;
}
