/**
 * Builds the registry's fastify app; nothing here listens (registry/server.ts does). Tests
 * build the same app and use `inject`. Decorations: config, store, keys, lists, metrics,
 * matchIndex, sourceSalt; each resource is freed in onClose.
 */
import fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RegistryConfig } from './config';
import { resolveConfig, sqliteFile } from './config';
import { ErrorSchema, carriesImageData, imageDataError, installErrorHandlers } from './errors';
import { ListService } from './lists';
import { MatchIndex } from './matchIndex';
import { Metrics } from './metrics';
import { RateLimiter } from './rateLimit';
import healthRoutes from './routes/health/index';
import listRoutes from './routes/lists/index';
import matchRoutes from './routes/match/index';
import reportRoutes from './routes/reports/index';
import reviewRoutes from './routes/review/index';
import submissionRoutes from './routes/submissions/index';
import webRoutes from './routes/web/index';
import { newSalt, parseApiKey } from './secrets';
import type { SigningKeys } from './signing';
import { loadOrCreateSigningKeys, signingKeyPath } from './signing';
import { RegistryStore } from './store/store';

declare module 'fastify' {
  interface FastifyInstance {
    config: RegistryConfig;
    store: RegistryStore;
    keys: SigningKeys;
    lists: ListService;
    metrics: Metrics;
    matchIndex: MatchIndex | null;
    sourceSalt: string;
  }
}

export interface BuildRegistryOptions extends Partial<RegistryConfig> {
  /** An open store to use (the caller closes it); otherwise one is opened from the config. */
  store?: RegistryStore;
  /** Signing keys to use; otherwise loaded or created in the data folder. */
  keys?: SigningKeys;
  /** Build the in-memory /v1/match index (default true). */
  matchIndex?: boolean;
}

const NO_RATE_LIMIT = new Set(['/healthz', '/metrics']);

export async function buildRegistryApp(opts: BuildRegistryOptions = {}): Promise<FastifyInstance> {
  const { store: givenStore, keys: givenKeys, matchIndex: wantMatch = true, ...configParts } = opts;
  const config = resolveConfig(configParts);
  const store =
    givenStore ??
    (await RegistryStore.open({
      sqliteFile: sqliteFile(config),
      databaseUrl: config.databaseUrl ?? undefined,
      schema: config.databaseSchema ?? undefined,
      confirmThreshold: config.confirmThreshold,
    }));
  store.confirmThreshold = config.confirmThreshold;
  const keys = givenKeys ?? (await loadOrCreateSigningKeys(signingKeyPath(config.dataDir, config.signingKeyFile ?? undefined))).keys;

  const app = fastify({
    logger:
      config.logger === false
        ? false
        : {
            ...(config.logger === true ? {} : config.logger),
            // Never log credentials; request bodies (hashes) are not logged at all.
            redact: ['req.headers.authorization'],
          },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Reject "90" for a number and never drop unknown fields silently: a wrong type is a 400
    // that names the field.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  const metrics = new Metrics();
  app.decorate('config', config);
  app.decorate('store', store);
  app.decorate('keys', keys);
  app.decorate('metrics', metrics);
  app.decorate('sourceSalt', await store.metaInit('source_salt', newSalt()));
  app.decorate(
    'lists',
    new ListService(store, keys, {
      snapshotMaxAgeMs: config.snapshotMaxAgeMs,
      onBuild: (kind, list, ms) => metrics.observe('veil_list_build_seconds', 'Time to build and sign a list file', { kind, list }, ms / 1000),
    }),
  );
  const matchIndex = wantMatch ? new MatchIndex(store, config.matchRefreshMs) : null;
  app.decorate('matchIndex', matchIndex);
  // One hook, in order: the index stops reading before the store it reads from closes.
  app.addHook('onClose', async () => {
    if (matchIndex) await matchIndex.close();
    if (!givenStore) await store.close();
  });

  app.addSchema(ErrorSchema);
  installErrorHandlers(app, config.bodyLimit);

  // Image uploads are refused before their bytes are read.
  app.addContentTypeParser(/^(image\/|video\/|multipart\/|application\/octet-stream)/, (_req, _payload, done) => done(imageDataError(), undefined));

  const limiter = new RateLimiter(config.rateLimit);
  app.addHook('onRequest', async (req, reply) => {
    (req as { startedAt?: number }).startedAt = performance.now();
    if (!limiter.enabled || NO_RATE_LIMIT.has(req.url)) return;
    const auth = req.headers.authorization;
    const key = typeof auth === 'string' ? parseApiKey(auth.replace(/^Bearer\s+/i, '').trim()) : null;
    const retry = limiter.take(key ? `key:${key.id}` : `ip:${req.ip}`);
    if (retry !== null) {
      metrics.inc('veil_rate_limited_total', 'Requests refused by the rate limit');
      return reply
        .status(429)
        .header('retry-after', String(retry))
        .send({ statusCode: 429, code: 'registry/rate-limited', message: `Too many requests; retry in ${retry} s.` });
    }
  });
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && carriesImageData(req.body)) throw imageDataError();
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.inc('veil_http_requests_total', 'HTTP requests', { method: req.method, route, status: String(reply.statusCode) });
    const started = (req as { startedAt?: number }).startedAt;
    if (started !== undefined) metrics.observe('veil_http_request_seconds', 'HTTP request latency', { route }, (performance.now() - started) / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Veil registry',
        version: '1',
        description:
          'Hash-only submissions, review, withdrawal and signed lists. No image is ever accepted or stored. List files are described in docs/list-format.md.',
      },
      tags: [{ name: 'submissions' }, { name: 'reporters' }, { name: 'reviewers' }, { name: 'lists' }, { name: 'match' }, { name: 'operations' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes);
  await app.register(submissionRoutes);
  await app.register(reportRoutes);
  await app.register(reviewRoutes);
  await app.register(listRoutes);
  await app.register(matchRoutes);
  await app.register(webRoutes);

  // Loading a large list takes a while: serve at once, /v1/match waits for the index.
  matchIndex?.start();
  return app;
}
