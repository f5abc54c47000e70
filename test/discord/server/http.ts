/**
 * The small HTTP toolkit the fake REST API and CDN share: a route table with Discord-style
 * templates (`/channels/:channel_id/messages`), JSON error bodies in Discord's shape, and
 * per-bucket rate limits that send the same headers Discord sends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Discord's JSON error: HTTP status plus a numeric code (developer docs, "JSON Error Codes"). */
export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const Errors = {
  unauthorized: () => new DiscordHttpError(401, 0, '401: Unauthorized'),
  unknownChannel: () => new DiscordHttpError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordHttpError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordHttpError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new DiscordHttpError(404, 10008, 'Unknown Message'),
  unknownUser: () => new DiscordHttpError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new DiscordHttpError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new DiscordHttpError(404, 10062, 'Unknown interaction'),
  missingAccess: () => new DiscordHttpError(403, 50001, 'Missing Access'),
  cannotDm: () => new DiscordHttpError(403, 50007, 'Cannot send messages to this user'),
  missingPermissions: () => new DiscordHttpError(403, 50013, 'Missing Permissions'),
  invalidForm: (why: string) => new DiscordHttpError(400, 50035, `Invalid Form Body: ${why}`),
  alreadyAcknowledged: () => new DiscordHttpError(400, 40060, 'Interaction has already been acknowledged.'),
  notFound: () => new DiscordHttpError(404, 0, '404: Not Found'),
};

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  /** Discord's route template; also names the rate-limit bucket. */
  template: string;
  /** Routes under /interactions and /webhooks/{id}/{token} are called without the bot token. */
  auth: boolean;
  handler: (ctx: RouteContext) => RouteResult | Promise<RouteResult>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export function compileRoutes(routes: Route[]): CompiledRoute[] {
  return routes.map((r) => {
    const names: string[] = [];
    const pattern = r.template.replace(/:([a-z_]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { ...r, regex: new RegExp(`^${pattern}$`), names };
  });
}

export function findRoute(routes: CompiledRoute[], method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    return { route, params };
  }
  return null;
}

/** Discord's major parameters: a bucket is per route template and per value of these. */
const MAJOR = ['channel_id', 'guild_id', 'webhook_id', 'interaction_id'];

export function bucketKey(method: string, template: string, params: Record<string, string>): string {
  const major = MAJOR.filter((k) => k in params).map((k) => params[k]).join(':');
  return `${method} ${template} ${major}`;
}

export interface BucketConfig {
  limit: number;
  windowMs: number;
}

interface BucketState {
  remaining: number;
  resetAt: number;
}

/** Fixed windows per bucket, reported through X-RateLimit-* the way @discordjs/rest reads them. */
export class RateLimiter {
  readonly #state = new Map<string, BucketState>();
  readonly #config = new Map<string, BucketConfig>();
  readonly #forced: { method: string; template: string; retryAfterS: number; global: boolean }[] = [];

  constructor(readonly defaults: BucketConfig) {}

  configure(method: string, template: string, cfg: BucketConfig): void {
    this.#config.set(`${method} ${template}`, cfg);
  }

  force(method: string, template: string, retryAfterS: number, global: boolean): void {
    this.#forced.push({ method, template, retryAfterS, global });
  }

  /** Takes one request from the bucket; returns the headers to send, and a 429 when it is empty. */
  take(method: string, template: string, params: Record<string, string>): { headers: Record<string, string>; limited: null | { retryAfterS: number; global: boolean; forced: boolean } } {
    const forcedAt = this.#forced.findIndex((f) => f.method === method && f.template === template);
    if (forcedAt >= 0) {
      const [f] = this.#forced.splice(forcedAt, 1);
      const headers: Record<string, string> = { 'retry-after': String(f.retryAfterS), 'x-ratelimit-scope': f.global ? 'global' : 'user' };
      if (f.global) headers['x-ratelimit-global'] = 'true';
      return { headers, limited: { retryAfterS: f.retryAfterS, global: f.global, forced: true } };
    }
    const cfg = this.#config.get(`${method} ${template}`) ?? this.defaults;
    const key = bucketKey(method, template, params);
    const now = Date.now();
    let st = this.#state.get(key);
    if (!st || now >= st.resetAt) {
      st = { remaining: cfg.limit, resetAt: now + cfg.windowMs };
      this.#state.set(key, st);
    }
    const resetAfterS = Math.max(0, st.resetAt - now) / 1000;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(cfg.limit),
      'x-ratelimit-reset': (st.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfterS.toFixed(3),
      'x-ratelimit-bucket': Buffer.from(`${method} ${template}`).toString('hex').slice(0, 32),
    };
    if (st.remaining <= 0) {
      // Discord's Retry-After header is whole seconds; fractions keep the tests quick and
      // @discordjs/rest parses either with Number().
      headers['x-ratelimit-remaining'] = '0';
      headers['retry-after'] = resetAfterS.toFixed(3);
      headers['x-ratelimit-scope'] = 'user';
      return { headers, limited: { retryAfterS: resetAfterS, global: false, forced: false } };
    }
    st.remaining--;
    headers['x-ratelimit-remaining'] = String(st.remaining);
    return { headers, limited: null };
  }
}

export async function readBody(req: IncomingMessage, maxBytes = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new DiscordHttpError(413, 40005, 'Request entity too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
