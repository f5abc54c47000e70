/**
 * `npm run bot [-- --shards N|auto]`: reads the environment (bot/config.ts), then runs one bot,
 * or a sharding manager whose children run this same file as one shard each. The only file of
 * the bot that reads the environment, opens sockets at start or installs signal handlers.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isVeilError } from '../shared/errors';
import { createBot } from './bot';
import { ENV_HELP, loadConfig } from './config';
import type { BotConfig } from './config';
import { consoleLogger, errorCode } from './log';
import { createMatcher } from './matcher';
import { runShards } from './shard';

const USAGE = `Usage: npm run bot [-- --shards N|auto]

Runs the Veil Discord bot. Configuration comes from environment variables:
${Object.entries(ENV_HELP)
  .map(([k, v]) => `  ${k.padEnd(26)} ${v}`)
  .join('\n')}

--shards N     run N shards (processes) with discord.js's ShardingManager
--shards auto  ask Discord how many shards it recommends`;

function parseShards(value: string | undefined): number | 'auto' | null {
  if (value === undefined) return null;
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error('--shards takes a whole number of at least 1, or auto.');
  return n;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let shards: number | 'auto' | null;
  try {
    const { values } = parseArgs({ args: argv, options: { shards: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    shards = parseShards(values.shards);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let config: BotConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!isVeilError(err, 'config/invalid')) throw err;
    console.error(`Veil bot: ${err.message}\n\nRun \`npm run bot -- --help\` for every setting.`);
    return 2;
  }

  const shardChild = env.SHARDING_MANAGER === 'true';
  const log = consoleLogger(shardChild ? `[shard ${env.SHARDS ?? '?'}] ` : '', env.VEIL_DEBUG === '1');
  process.on('unhandledRejection', (reason) => log.error('unhandled-rejection', { code: errorCode(reason) }));

  if (shards !== null && !shardChild) {
    const manager = await runShards(config, shards, log);
    const stop = (): void => {
      manager.respawn = false;
      for (const shard of manager.shards.values()) shard.kill();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return 0;
  }

  const bot = createBot({ config, matcher: createMatcher(), log });
  const stop = (): void => {
    void bot.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await bot.start();
  } catch (err) {
    log.error('start.failed', { code: errorCode(err) });
    console.error(`Veil bot could not connect to Discord: ${(err as Error).message}`);
    await bot.stop();
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
