/**
 * The bot's lists: a local copy in its SQLite database, kept up to date from the registry by the
 * shared sync client (signed snapshots and deltas, verified against the pinned key), feeding the
 * shared in-memory matcher. When the registry is down the bot keeps matching against its copy,
 * and `/veil status` says when the lists were last checked and what went wrong.
 */
import type { ImageHashes } from '../shared/hash/types';
import type { ListName, MatchResult } from '../shared/match/types';
import { LIST_NAMES } from '../shared/match/types';
import type { ListSink, ListStorage, ListSyncStatus } from '../shared/registry/client';
import { RegistryClient } from '../shared/registry/client';
import type { RegistryConfig } from './config';
import type { BotLogger } from './log';

export interface BotMatcher extends ListSink {
  match(hashes: ImageHashes): MatchResult | null;
}

export interface ListsStatus {
  /** False when no registry is configured: the bot then has no lists to match against. */
  configured: boolean;
  lists: ListSyncStatus[];
  /** Consecutive failed sync rounds (0 when the last one worked). */
  failures: number;
}

export interface ListService {
  readonly matcher: BotMatcher;
  /** Loads the local copy into the matcher, then starts checking the registry on a timer. */
  start(): Promise<void>;
  /** Checks the registry now (the timer calls this when due). */
  sync(): Promise<ListsStatus>;
  status(): ListsStatus;
  stop(): void;
}

/** How often the timer asks the client whether a check is due (the client applies back-off). */
const TICK_MS = 15_000;

export function createListService(opts: {
  registry: RegistryConfig | null;
  storage: ListStorage;
  matcher: BotMatcher;
  intervalMs: number;
  log: BotLogger;
  fetch?: typeof fetch;
}): ListService {
  const { matcher, log } = opts;
  if (!opts.registry) {
    const empty = (list: ListName): ListSyncStatus => ({ list, seq: 0, count: 0, lastUpdate: null, lastCheck: null, lastError: null });
    return {
      matcher,
      start: async () => log.warn('lists.no-registry', { hint: 'set VEIL_REGISTRY_URL and VEIL_REGISTRY_PUBLIC_KEY' }),
      sync: async () => ({ configured: false, lists: LIST_NAMES.map(empty), failures: 0 }),
      status: () => ({ configured: false, lists: LIST_NAMES.map(empty), failures: 0 }),
      stop: () => undefined,
    };
  }
  const client = new RegistryClient({
    baseUrl: opts.registry.url,
    publicKeys: opts.registry.publicKeys,
    fetch: opts.fetch ?? fetch,
    storage: opts.storage,
    sink: matcher,
    intervalMs: opts.intervalMs,
    timeoutMs: 30_000,
  });
  let timer: NodeJS.Timeout | null = null;
  const toStatus = (): ListsStatus => {
    const s = client.status();
    return { configured: true, lists: s.lists, failures: s.failures };
  };
  const sync = async (): Promise<ListsStatus> => {
    const before = client.status().failures;
    const s = await client.sync();
    for (const l of s.lists) {
      if (l.lastError && s.failures > 0 && before === 0) log.warn('lists.sync-failed', { list: l.list, code: l.lastError.code });
    }
    if (before > 0 && s.failures === 0) log.info('lists.sync-recovered');
    return toStatus();
  };
  return {
    matcher,
    async start() {
      await client.load();
      const held = client.status().lists.map((l) => `${l.list}:${l.count}@${l.seq}`).join(',');
      log.info('lists.loaded', { held });
      void sync().then((s) => log.info('lists.synced', { lists: s.lists.map((l) => `${l.list}:${l.count}@${l.seq}`).join(','), failures: s.failures }));
      timer = setInterval(() => {
        if (client.isDue()) void sync();
      }, Math.min(TICK_MS, opts.intervalMs));
      timer.unref();
    },
    sync,
    status: toStatus,
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
