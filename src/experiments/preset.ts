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
  readonly check?: (config: ExperimentConfig<P>) => void;
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
      checkCommon(config, def.name, def.uses);
      def.check?.(config);
      return {
        config,
        run: (core) => def.run({ ...core, config }),
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
