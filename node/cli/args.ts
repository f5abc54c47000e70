import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './io';
import { describeError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;

/**
 * Parses a subcommand's arguments (every command takes -h/--help). Returns the parsed values, or
 * the exit code to stop with: 0 after printing the help, 2 after a usage error with the help.
 */
export function parseCommand<O extends Options>(command: string, args: string[], options: O, help: string, io: CliIo): Parsed<O> | number {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true });
  } catch (err) {
    io.err(`veil ${command}: ${describeError(err)}\n\n${help}`);
    return 2;
  }
  if ((parsed.values as Record<string, unknown>).help) {
    io.out(help);
    return 0;
  }
  return parsed;
}
