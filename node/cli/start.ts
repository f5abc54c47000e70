import type { CliIo } from './io';

/**
 * `npm start`: the main job with embedded defaults. Runs the registry (SQLite under ./data) unless
 * DISCORD_TOKEN is set, in which case this machine is a bot deployment and the bot starts instead
 * (it reads its own settings from the environment: see bot/README.md).
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`Usage: npm start [-- OPTIONS]

Without DISCORD_TOKEN: runs the registry (\`veil registry serve\`, 127.0.0.1:8787, data in ./data);
OPTIONS are those of \`veil registry serve --help\`.
With DISCORD_TOKEN set: runs the Discord bot (\`npm run bot\`); OPTIONS are the bot's (--shards N).`);
    return 0;
  }
  if (process.env.DISCORD_TOKEN) {
    const { main } = await import('../../bot/main');
    return main(args, process.env);
  }
  const { run: registry } = await import('./registry');
  return registry(['serve', ...args], io);
}
