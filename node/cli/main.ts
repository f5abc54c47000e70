/**
 * `veil` command dispatcher. Each subcommand lives in its own module exporting
 * `run(args, io): Promise<number>` (the exit code); this file only routes and prints help.
 */
import type { CliIo } from './io';
import { defaultIo } from './io';

interface Subcommand {
  summary: string;
  load: () => Promise<{ run: (args: string[], io: CliIo) => Promise<number> }>;
}

/** The static command table: add one line per subcommand module. */
const SUBCOMMANDS: Record<string, Subcommand> = {
  hash: { summary: 'hash images on this computer (PDQ, blockhash)', load: () => import('./hash') },
  scan: { summary: 'check images against a folder of known originals', load: () => import('./scan') },
  submit: { summary: 'hash your photos here and submit only the hashes to a registry', load: () => import('./submit') },
  registry: { summary: 'run and operate the registry (serve, keys, stats, export, import)', load: () => import('./registry') },
  start: { summary: 'the main job: the registry, or the Discord bot when DISCORD_TOKEN is set', load: () => import('./start') },
};

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, s]) => `  veil ${name.padEnd(10)} ${s.summary}`);
  return ['Usage: veil <command> [options]', '', 'Commands:', ...lines, '', 'Run `veil <command> --help` for the options of one command.'].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    io.err(`veil: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  const mod = await sub.load();
  return mod.run(rest, io);
}
