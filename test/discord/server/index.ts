/**
 * A Discord-compatible server on 127.0.0.1 for end-to-end tests of the bot with the real
 * discord.js client: REST v10 under `/api/v10`, gateway v10 at `/gateway`, the CDN at `/cdn` and
 * the media proxy at `/media`. Tests build guilds through `FakeDiscord`, act as users, and read
 * what the bot did from `fake.log`.
 *
 *   const fake = await startFakeDiscord();
 *   const client = new Client({ intents, rest: { api: fake.apiBase, cdn: fake.cdnBase, mediaProxy: fake.mediaBase } });
 *   await client.login(fake.token);
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventLog } from './events';
import { FakeGateway } from './gateway';
import type { BucketConfig } from './http';
import { DiscordHttpError, RateLimiter, compileRoutes, findRoute, readBody, sendJson } from './http';
import { guildPayload } from './model';
import { restRoutes } from './rest';
import { handleCdn } from './cdn';
import { World } from './world';
import { TestApi } from './testApi';

export interface FakeDiscordOptions {
  token?: string;
  botName?: string;
  /** HELLO's heartbeat interval; Discord uses 41250 ms, tests want the zombie check sooner. */
  heartbeatIntervalMs?: number;
  /** The default bucket for every route; Discord's vary, about 5 per few seconds for messages. */
  rateLimit?: BucketConfig;
}

export class FakeDiscord extends TestApi {
  readonly token: string;
  readonly limiter: RateLimiter;
  readonly #server: Server;

  constructor(world: World, server: Server, token: string, limiter: RateLimiter) {
    super(world);
    this.#server = server;
    this.token = token;
    this.limiter = limiter;
  }

  get apiBase(): string {
    return `${this.world.baseUrl}/api`;
  }
  get cdnBase(): string {
    return `${this.world.baseUrl}/cdn`;
  }
  get mediaBase(): string {
    return `${this.world.baseUrl}/media`;
  }
  get gatewayUrl(): string {
    return `${this.world.baseUrl.replace(/^http/, 'ws')}/gateway`;
  }

  /** Drops every gateway socket; the sessions stay, so clients RESUME and get what they missed. */
  disconnectGateway(code = 4000): number {
    return this.world.gateway.disconnectAll(code);
  }

  /** Sets the bucket size of one route template, e.g. ('DELETE', '/channels/:channel_id/messages/:message_id'). */
  setRateLimit(method: string, template: string, cfg: BucketConfig): void {
    this.limiter.configure(method, template, cfg);
  }

  /** The next request on that route gets a 429 with Retry-After, as if the limit had been hit. */
  forceRateLimit(method: string, template: string, retryAfterS: number, global = false): void {
    this.limiter.force(method, template, retryAfterS, global);
  }

  async close(): Promise<void> {
    await this.world.gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = opts.token ?? 'fake-bot-token.veil.test';
  const log = new EventLog();
  let world: World | null = null;
  const gateway = new FakeGateway({
    token,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 5000,
    resumeUrl: () => `${world!.baseUrl.replace(/^http/, 'ws')}/gateway-resume`,
    record: (e) => log.record(e),
    ready: (session) => {
      const w = world!;
      const guilds = [...w.guilds.values()].filter((g) => Number((BigInt(g.id) >> 22n) % BigInt(session.shardCount)) === session.shardId);
      return {
        ready: {
          v: 10,
          user: { ...w.botUser, global_name: null, discriminator: '0', avatar: null, verified: true, mfa_enabled: false, flags: 0 },
          guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
          private_channels: [],
          relationships: [],
          presences: [],
          application: { id: w.applicationId, flags: 0 },
          user_settings: {},
        },
        guilds: guilds.map((g) => guildPayload(g, w.users, true)),
      };
    },
  });
  world = new World(gateway, log, opts.botName ?? 'Veil');
  const limiter = new RateLimiter(opts.rateLimit ?? { limit: 50, windowMs: 1000 });
  const routes = compileRoutes(restRoutes(world, () => `${world!.baseUrl.replace(/^http/, 'ws')}/gateway`));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const w = world!;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/cdn/') || url.pathname.startsWith('/media/')) return handleCdn(w, req, res);
    if (!url.pathname.startsWith('/api/v10/')) return sendJson(res, 404, { message: '404: Not Found', code: 0 });
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/api/v10'.length);
    const found = findRoute(routes, method, path);
    const template = found?.route.template ?? path;
    const respond = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      log.record({ kind: 'request', method, route: template, status });
      sendJson(res, status, body, headers);
    };
    try {
      const raw = await readBody(req);
      if (!found) return respond(404, { message: '404: Not Found', code: 0 });
      if (found.route.auth && req.headers.authorization !== `Bot ${token}`) return respond(401, { message: '401: Unauthorized', code: 0 });
      const rl = limiter.take(method, template, found.params);
      if (rl.limited) {
        log.record({ kind: 'rate-limited', method, route: template, retryAfterS: rl.limited.retryAfterS, forced: rl.limited.forced });
        return respond(429, { message: 'You are being rate limited.', retry_after: rl.limited.retryAfterS, global: rl.limited.global }, rl.headers);
      }
      let body: unknown;
      if (raw.length > 0) {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          // The bot never uploads files (it never re-posts an image), so multipart is refused.
          return respond(400, { message: 'Only JSON bodies are supported by this fake.', code: 50035 }, rl.headers);
        }
        body = JSON.parse(raw.toString('utf8'));
      }
      const out = await found.route.handler({ params: found.params, query: url.searchParams, body, headers: req.headers });
      respond(out.status, out.body, rl.headers);
    } catch (err) {
      if (err instanceof DiscordHttpError) return respond(err.status, { message: err.message, code: err.code, ...(err.code === 50035 ? { errors: {} } : {}) });
      if (err instanceof SyntaxError) return respond(400, { message: '400: Bad Request', code: 50109 });
      console.error('fake discord: route failed', method, template, err);
      respond(500, { message: '500: Internal Server Error', code: 0 });
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  world.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return new FakeDiscord(world, server, token, limiter);
}

export type { FakeEvent } from './events';
export type { MessagePayload } from './model';
