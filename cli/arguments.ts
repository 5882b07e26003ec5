/**
 * The command line's grammar, strict and conventional: each command accepts its own options
 * and nothing else, `--name value` and `--name=value`, `-h` and `-v`, `--` before an operand
 * that starts with a dash. Anything else is a {@link UsageError} in one line, with the nearest
 * option or command when there is one. Loads nothing but this file and the settings' error:
 * `--help` and `--version` answer before any command's modules are read.
 */
import { UsageError } from './settings';

export type OptionSpec =
  | { readonly type: 'boolean'; readonly help: string; readonly short?: string }
  | {
      readonly type: 'string';
      /** The value's name in the usage line (NAME, FILE, ID). */
      readonly value: string;
      readonly help: string;
      readonly choices?: readonly string[];
      /** Shown without brackets in the usage line; the command checks it (it may come from the environment). */
      readonly required?: boolean;
    }
  | {
      readonly type: 'number';
      readonly value: string;
      readonly help: string;
      readonly min: number;
      readonly max: number;
      /** The bound `min` itself is refused: "more than 0". */
      readonly aboveMin?: boolean;
      readonly integer?: boolean;
    };

export interface CommandSpec {
  readonly summary: string;
  readonly details: string;
  /** Works against a deployed stack with --env (which is then among its options). */
  readonly deployed: boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** One operand after the options (sql's query). */
  readonly operand?: { readonly name: string; readonly help: string };
  /** Options that may not be given together. */
  readonly exclusive?: readonly (readonly string[])[];
  /** Options people expect here that belong elsewhere, and where (shown instead of a guess). */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', help: 'this help, and nothing done' },
  verbose: {
    type: 'boolean',
    short: 'v',
    help: 'also the stage logs, and a failure with its stack trace',
  },
} as const satisfies Readonly<Record<string, OptionSpec>>;

type ValueOf<O extends OptionSpec> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'number' }
    ? number
    : O extends { choices: readonly (infer C extends string)[] }
      ? C
      : string;

/** The values of a command's options, each typed by its spec; absent when not given. */
export type OptionValues<C extends CommandSpec> = {
  readonly [K in keyof C['options'] | keyof typeof COMMON_OPTIONS]?: K extends keyof C['options']
    ? ValueOf<C['options'][K]>
    : boolean;
};

export type CommandLine<Specs extends Readonly<Record<string, CommandSpec>>> =
  | { readonly kind: 'help'; readonly command: (keyof Specs & string) | undefined }
  | { readonly kind: 'version' }
  | {
      readonly [N in keyof Specs & string]: {
        readonly kind: 'command';
        readonly command: N;
        readonly values: OptionValues<Specs[N]>;
        readonly operand: string | undefined;
      };
    }[keyof Specs & string];

/** Edits (insert, delete, substitute) from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate nearest to `input`, if one is near enough to be what was meant. */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(input) ? 1 : editDistance(input, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(input.length / 3))
    ? best.candidate
    : undefined;
}

const TOP_LEVEL = ['--help', '-h', '--version', '-V', '-v'];

function optionsOf(spec: CommandSpec): Readonly<Record<string, OptionSpec>> {
  return { ...spec.options, ...COMMON_OPTIONS };
}

/** `--scale N` as the usage line shows it. */
export function optionUsage(name: string, option: OptionSpec): string {
  const flag =
    option.type === 'boolean'
      ? `--${name}`
      : `--${name} ${option.type === 'string' && option.choices ? option.choices.join('|') : option.value}`;
  return option.type === 'string' && option.required ? flag : `[${flag}]`;
}

/** What values an option takes, for its help line and its refusals. */
export function optionRange(option: OptionSpec): string {
  if (option.type === 'number') {
    const kind = option.integer ? 'a whole number' : 'a number';
    return `${kind} ${option.aboveMin ? `above ${option.min}` : `from ${option.min}`} up to ${option.max}`;
  }
  if (option.type === 'string' && option.choices) return `one of ${option.choices.join(', ')}`;
  return option.type === 'string' ? `a value (${option.value})` : 'no value';
}

function numberValue(name: string, option: OptionSpec & { type: 'number' }, text: string): number {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text) : NaN;
  const fits =
    Number.isFinite(value) &&
    (!option.integer || Number.isInteger(value)) &&
    (option.aboveMin ? value > option.min : value >= option.min) &&
    value <= option.max;
  if (!fits) {
    throw new UsageError(`--${name} must be ${optionRange(option)}, not ${JSON.stringify(text)}`);
  }
  return value;
}

function stringValue(name: string, option: OptionSpec & { type: 'string' }, text: string): string {
  if (option.choices && !option.choices.includes(text)) {
    const guess = nearest(text, option.choices);
    throw new UsageError(
      `--${name} must be ${optionRange(option)}, not ${JSON.stringify(text)}${guess ? ` (did you mean ${guess}?)` : ''}`,
    );
  }
  return text;
}

function unknownOption(command: string, spec: CommandSpec, flag: string): UsageError {
  const name = flag.replace(/^--?/, '').split('=')[0] ?? '';
  const all = optionsOf(spec);
  const known = Object.keys(all).map((o) => `--${o}`);
  const localOnly =
    name === 'env' && !spec.deployed
      ? `${command} works on the local state folder only: drop --env`
      : undefined;
  const hint = flag.startsWith('--') ? (spec.elsewhere?.[name] ?? localOnly) : undefined;
  const guess = hint ? undefined : nearest(flag.split('=')[0] ?? flag, known);
  const why = hint ?? (guess ? `did you mean ${guess}?` : `its options: ${known.join(', ')}`);
  return new UsageError(`${command} has no option ${flag.split('=')[0]}: ${why}`);
}

function parseCommand<Specs extends Readonly<Record<string, CommandSpec>>>(
  command: keyof Specs & string,
  spec: CommandSpec,
  args: readonly string[],
): CommandLine<Specs> {
  const options = optionsOf(spec);
  const shorts = new Map<string, string>(
    Object.entries(options).flatMap(([name, o]) =>
      o.type === 'boolean' && o.short ? [[`-${o.short}`, name] as const] : [],
    ),
  );
  const end = args.indexOf('--');
  if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    return { kind: 'help', command };
  }
  const values: Record<string, string | number | boolean> = {};
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals < 0 ? arg : arg.slice(0, equals);
    const inline = equals < 0 ? undefined : arg.slice(equals + 1);
    const name = flag.startsWith('--') ? flag.slice(2) : shorts.get(flag);
    const option = name === undefined ? undefined : options[name];
    if (name === undefined || option === undefined) throw unknownOption(command, spec, arg);
    if (name in values) throw new UsageError(`--${name} is given twice: give it once`);
    if (option.type === 'boolean') {
      if (inline !== undefined)
        throw new UsageError(`--${name} takes no value (not ${JSON.stringify(inline)})`);
      values[name] = true;
      continue;
    }
    // A value may start with a dash (--scale -1 is a value out of range, not an option).
    const text = inline ?? args[++i];
    if (text === undefined) {
      throw new UsageError(`--${name} needs a value: ${optionRange(option)}`);
    }
    values[name] =
      option.type === 'number' ? numberValue(name, option, text) : stringValue(name, option, text);
  }
  if (operands.length > (spec.operand ? 1 : 0)) {
    const extra = operands[spec.operand ? 1 : 0];
    throw new UsageError(
      spec.operand
        ? `${command} takes one ${spec.operand.name}, not also ${JSON.stringify(extra)}: quote the whole ${spec.operand.name}`
        : `${command} takes no argument ${JSON.stringify(extra)}${nearest(extra ?? '', Object.keys(spec.options)) ? ` (did you mean --${nearest(extra ?? '', Object.keys(spec.options))}?)` : ''}`,
    );
  }
  for (const group of spec.exclusive ?? []) {
    const given = group.filter((name) =>
      name === spec.operand?.name ? operands.length > 0 : name in values,
    );
    if (given.length > 1) {
      throw new UsageError(
        `${given.map((g) => (g === spec.operand?.name ? g : `--${g}`)).join(' and ')} cannot go together: give one of them`,
      );
    }
  }
  return {
    kind: 'command',
    command,
    values,
    operand: operands[0],
  } as unknown as CommandLine<Specs>;
}

/**
 * The command line parsed against the commands' specs.
 *
 * @throws {UsageError} in one line for anything the specs do not accept
 * @example
 * parseCommandLine(['status', '--limit', '3'], COMMANDS)
 * // { kind: 'command', command: 'status', values: { limit: 3 }, operand: undefined }
 */
export function parseCommandLine<Specs extends Readonly<Record<string, CommandSpec>>>(
  argv: readonly string[],
  specs: Specs,
): CommandLine<Specs> {
  const [first, ...rest] = argv;
  const names = Object.keys(specs);
  if (first === undefined) {
    throw new UsageError('a command is missing: deliverance --help lists them');
  }
  if (first === '--help' || first === '-h') return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-V' || first === '-v' || first === 'version') {
    return { kind: 'version' };
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic !== undefined && !names.includes(topic)) throw unknownCommand(topic, names);
    return { kind: 'help', command: topic };
  }
  if (first.startsWith('-')) {
    const guess = nearest(first.split('=')[0] ?? first, TOP_LEVEL);
    throw new UsageError(
      `deliverance has no option ${first} before a command${guess ? `: did you mean ${guess}?` : ''} (options go after the command: deliverance --help)`,
    );
  }
  const spec = specs[first];
  if (!spec) throw unknownCommand(first, names);
  return parseCommand<Specs>(first, spec, rest);
}

function unknownCommand(input: string, names: readonly string[]): UsageError {
  const guess = nearest(input, names);
  return new UsageError(
    `deliverance has no command ${JSON.stringify(input)}: ${guess ? `did you mean ${guess}?` : 'deliverance --help lists them'}`,
  );
}

/**
 * The deployed environment `--env` or `DELIVERANCE_ENV` names, if any: commands act on it
 * instead of the local state folder.
 */
export function selectedEnvironment(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const name = option ?? (env.DELIVERANCE_ENV || undefined);
  if (name !== undefined && !/^[A-Za-z0-9-]+$/.test(name)) {
    throw new UsageError(
      `--env must name an environment such as prod (letters, digits, dashes), not ${JSON.stringify(name)}`,
    );
  }
  return name;
}
