/**
 * createBot: builds the discord.js client and everything the bot's handlers share, from a
 * config object and optional dependencies (tests pass their own logger, hasher or matcher).
 * Nothing connects until start().
 */
import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';
import type { ClientOptions } from 'discord.js';
import { hashImage } from '../node/hashFile';
import type { BotConfig } from './config';
import type { BotContext } from './context';
import { SeenImages } from './context';
import { EVENTS } from './events';
import type { BotMatcher, ListService } from './lists';
import { createListService } from './lists';
import type { BotLogger } from './log';
import { consoleLogger, errorCode } from './log';
import { registryReporter } from './report';
import type { DownloadLimits } from './scan/download';
import { DEFAULT_DOWNLOAD_LIMITS } from './scan/download';
import type { ImageHasher } from './scan/scanner';
import { Scanner } from './scan/scanner';
import { discordOrigins } from './scan/sources';
import { BotStore } from './store';

export interface CreateBotOptions {
  config: BotConfig;
  /** The in-memory index the lists feed (the shared Matcher). */
  matcher: BotMatcher;
  log?: BotLogger;
  /** Bytes to hashes; the shared Node pipeline by default. */
  hash?: ImageHasher;
  downloadLimits?: DownloadLimits;
  /** For registry requests (lists and reports). */
  fetch?: typeof fetch;
  /** Register slash commands when ready (default true). */
  registerCommands?: boolean;
}

export interface VeilBot {
  readonly client: Client;
  readonly ctx: BotContext;
  readonly lists: ListService;
  /** Loads the local lists, starts syncing, logs in and resolves once the gateway is ready. */
  start(): Promise<void>;
  /** Disconnects and closes the database; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Intents: guilds and their messages, plus Message Content (privileged: enable it in the
 * developer portal), without which Discord blanks attachments and embeds. Partial messages let
 * edits and link previews of uncached messages through.
 */
export const BOT_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];

export function clientOptions(config: BotConfig): ClientOptions {
  const rest: NonNullable<ClientOptions['rest']> = {};
  if (config.apiBase) rest.api = config.apiBase;
  if (config.cdnBase) rest.cdn = config.cdnBase;
  if (config.mediaBase) rest.mediaProxy = config.mediaBase;
  return {
    intents: BOT_INTENTS,
    partials: [Partials.Message, Partials.Channel],
    rest,
    // Only recent messages matter (edits and previews come within minutes).
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 100 }),
    allowedMentions: { parse: [] },
  };
}

export function createBot(opts: CreateBotOptions): VeilBot {
  const { config } = opts;
  const log = opts.log ?? consoleLogger();
  const client = new Client(clientOptions(config));
  const store = new BotStore(config.dataDir);
  const lists = createListService({ registry: config.registry, storage: store.listStorage(), matcher: opts.matcher, intervalMs: config.syncIntervalMs, log, fetch: opts.fetch });
  const scanner = new Scanner({
    origins: discordOrigins(config.cdnBase, config.mediaBase),
    matcher: opts.matcher,
    hash: opts.hash ?? ((bytes) => hashImage(bytes, { limits: { maxBytes: (opts.downloadLimits ?? DEFAULT_DOWNLOAD_LIMITS).maxBytes } })),
    log,
    limits: opts.downloadLimits,
  });
  const ctx: BotContext = {
    client,
    store,
    scanner,
    lists,
    reporter: registryReporter(config.registry, opts.fetch),
    log,
    seen: new SeenImages(),
    registerCommands: opts.registerCommands ?? true,
    commandGuildId: config.commandGuildId,
  };

  for (const event of EVENTS) {
    const listener = (...args: unknown[]): void => {
      // Every handler is caught here: a message, however malformed, never takes the bot down.
      Promise.resolve()
        .then(() => (event.execute as (c: BotContext, ...a: unknown[]) => unknown)(ctx, ...args))
        .catch((err: unknown) => log.error('event.failed', { event: event.name, code: errorCode(err) }));
    };
    if (event.once) client.once(event.name, listener);
    else client.on(event.name, listener);
  }

  let stopped = false;
  return {
    client,
    ctx,
    lists,
    async start() {
      await lists.start();
      const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
      await client.login(config.token);
      await ready;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      lists.stop();
      await client.destroy();
      store.close();
    },
  };
}
