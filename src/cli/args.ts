// The command-line tools' arguments, parsed strictly by node:util: --help prints the usage and exits 0;
// an unknown flag, a missing value or a bad one prints why and the usage, and exits 2.
import { parseArgs } from 'node:util';

export interface Cli {
  positionals: string[];
  /** The value of a --name VALUE option, if given. */
  option(name: string): string | undefined;
  /** Whether a --name flag is given. */
  flag(name: string): boolean;
  /** Refuses the arguments: says why, prints the usage, exits 2. */
  refuse(why: string): never;
}

export function parseCli(usage: string, spec: { options?: string[]; flags?: string[] }, argv = process.argv.slice(2)): Cli {
  const refuse = (why: string): never => {
    process.stderr.write(`${why}\n${usage}\n`);
    process.exit(2);
  };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const name of spec.options ?? []) options[name] = { type: 'string' };
  for (const name of spec.flags ?? []) options[name] = { type: 'boolean' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return refuse((err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const { values } = parsed;
  return {
    positionals: parsed.positionals,
    option: (name) => (typeof values[name] === 'string' ? values[name] : undefined),
    flag: (name) => values[name] === true,
    refuse,
  };
}

/** A whole number of at least `min`, or the refusal naming the flag. */
export function wholeNumber(cli: Cli, flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) cli.refuse(`${flag} must be a whole number ≥ ${min}`);
  return n;
}
