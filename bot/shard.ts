/**
 * Large bots: discord.js's ShardingManager runs one process per shard, each a full bot (its own
 * gateway connection, scanner and matcher) on the same SQLite data folder (WAL mode). The shard
 * count comes from `--shards N`, or from Discord's recommendation (`--shards auto`), asked
 * through the configured API base so that a Discord-compatible server works too.
 */
import { fileURLToPath } from 'node:url';
import { REST, Routes, ShardingManager } from 'discord.js';
import type { RESTGetAPIGatewayBotResult } from 'discord.js';
import type { BotConfig } from './config';
import type { BotLogger } from './log';

/** Discord lets `max_concurrency` shards identify together, then one bucket per 5 seconds. */
const IDENTIFY_SPACING_MS = 5500;

export async function runShards(config: BotConfig, shards: number | 'auto', log: BotLogger): Promise<ShardingManager> {
  const rest = new REST(config.apiBase ? { api: config.apiBase } : {}).setToken(config.token);
  const info = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  const total = shards === 'auto' ? info.shards : shards;
  const manager = new ShardingManager(fileURLToPath(new URL('./main.ts', import.meta.url)), {
    token: config.token,
    totalShards: total,
    // The shards run the TypeScript entry point through tsx, like `npm run bot` does.
    execArgv: ['--import', 'tsx'],
    respawn: true,
  });
  manager.on('shardCreate', (shard) => {
    log.info('shard.spawned', { shard: shard.id, of: total });
    shard.on('death', () => log.warn('shard.died', { shard: shard.id }));
  });
  await manager.spawn({ amount: total, delay: info.session_start_limit.max_concurrency >= total ? 0 : IDENTIFY_SPACING_MS, timeout: 120_000 });
  log.info('shards.ready', { shards: total });
  return manager;
}
