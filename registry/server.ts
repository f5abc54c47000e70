/**
 * The only place that listens: builds the app from config (defaults < environment < options),
 * sets timeouts, prints the URL and public key, and closes gracefully on SIGINT/SIGTERM.
 */
import type { FastifyInstance } from 'fastify';
import { bytesToHex } from '../shared/hex';
import { LIST_NAMES } from '../shared/match/types';
import { buildRegistryApp } from './app';
import type { BuildRegistryOptions } from './app';
import { configFromEnv, resolveConfig } from './config';

export interface StartedRegistry {
  app: FastifyInstance;
  url: string;
  publicKey: string;
  close(): Promise<void>;
}

export async function startRegistry(options: BuildRegistryOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<StartedRegistry> {
  const config = resolveConfig(configFromEnv(env), options);
  const app = await buildRegistryApp({ ...options, ...config });
  // Slow clients must not hold sockets forever; list downloads of ~40 MB still fit easily.
  app.server.requestTimeout = 120_000;
  app.server.headersTimeout = 30_000;
  app.server.keepAliveTimeout = 10_000;
  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  // Build the snapshots now rather than on the first client's request (a 1M-entry list takes
  // seconds); a failure here is only logged, the next request tries again.
  for (const list of LIST_NAMES) app.lists.snapshot(list).catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'snapshot warm-up failed'));
  return { app, url, publicKey: bytesToHex(app.keys.current.publicKey), close: () => app.close() };
}

/** Closes on the first SIGINT/SIGTERM; a second one exits at once. */
export function closeOnSignals(registry: StartedRegistry, onClosed: () => void = () => process.exit(0)): void {
  let closing = false;
  const handler = (): void => {
    if (closing) process.exit(1);
    closing = true;
    registry.close().then(onClosed, () => process.exit(1));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
