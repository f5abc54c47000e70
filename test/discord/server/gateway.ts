/**
 * Gateway v10 over WebSocket, JSON encoding, no compression (discord.js only asks for zlib-stream
 * when the optional `zlib-sync` package is installed, and it is not).
 *
 * Sessions outlive sockets: every dispatch is numbered and kept in the session's buffer, so a
 * client that reconnects with RESUME (op 6) gets exactly the events it missed, then RESUMED.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayIntentBits, GatewayOpcodes } from 'discord.js';
import { WebSocket, WebSocketServer } from 'ws';
import type { FakeEvent } from './events';

interface Payload {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

export interface GatewaySession {
  id: string;
  shardId: number;
  shardCount: number;
  intents: number;
  seq: number;
  /** Dispatches sent on this session, for replay on RESUME (bounded like Discord's). */
  buffer: Payload[];
  socket: WebSocket | null;
}

export interface DispatchOptions {
  /** The guild the event belongs to (chooses the shard); null for DMs and global events. */
  guildId: string | null;
  /** The intent a session needs to receive it; undefined means every session gets it. */
  intent?: GatewayIntentBits;
  /** Adjusts the payload per session (e.g. strips message content without the intent). */
  perSession?: (d: Record<string, unknown>, session: GatewaySession) => Record<string, unknown>;
}

export interface GatewayHooks {
  token: string;
  heartbeatIntervalMs: number;
  resumeUrl: () => string;
  /** READY's `d` for a new session and the guild payloads to follow it as GUILD_CREATE. */
  ready: (session: GatewaySession) => { ready: Record<string, unknown>; guilds: Record<string, unknown>[] };
  record: (e: FakeEvent) => void;
}

const REPLAY_BUFFER = 2000;

export function shardForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export class FakeGateway {
  readonly sessions = new Map<string, GatewaySession>();
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #hooks: GatewayHooks;

  constructor(hooks: GatewayHooks) {
    this.#hooks = hooks;
    this.#wss.on('connection', (ws) => this.#onConnection(ws));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if ((url.pathname !== '/gateway' && url.pathname !== '/gateway-resume') || url.searchParams.get('v') !== '10') {
      socket.destroy();
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit('connection', ws, req));
  }

  /** Sends a dispatch to every session that should see it (its shard, its intents). */
  dispatch(t: string, d: Record<string, unknown>, opts: DispatchOptions): void {
    for (const session of this.sessions.values()) {
      const shard = opts.guildId ? shardForGuild(opts.guildId, session.shardCount) : 0;
      if (shard !== session.shardId) continue;
      if (opts.intent !== undefined && (session.intents & opts.intent) === 0) continue;
      const data = opts.perSession ? opts.perSession(d, session) : d;
      this.#sendDispatch(session, t, data);
    }
  }

  /** Closes every socket with `code` but keeps the sessions, so the clients resume. */
  disconnectAll(code = 4000): number {
    let n = 0;
    for (const session of this.sessions.values()) {
      if (session.socket) {
        session.socket.close(code, 'test disconnect');
        session.socket = null;
        n++;
      }
    }
    return n;
  }

  /** Tells every connected client to reconnect (op 7), as Discord does before moving a session. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) {
      session.socket?.send(JSON.stringify({ op: GatewayOpcodes.Reconnect, d: null }));
    }
  }

  connectedSessions(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.socket?.readyState === WebSocket.OPEN) n++;
    return n;
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #sendDispatch(session: GatewaySession, t: string, d: unknown): void {
    const payload: Payload = { op: GatewayOpcodes.Dispatch, t, s: ++session.seq, d };
    session.buffer.push(payload);
    if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify(payload));
  }

  #onConnection(ws: WebSocket): void {
    let session: GatewaySession | null = null;
    const send = (p: Payload): void => ws.send(JSON.stringify(p));
    send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#hooks.heartbeatIntervalMs } });

    ws.on('message', (raw) => {
      let p: Payload;
      try {
        p = JSON.parse(String(raw)) as Payload;
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (p.op) {
        case GatewayOpcodes.Heartbeat:
          send({ op: GatewayOpcodes.HeartbeatAck, d: null });
          return;
        case GatewayOpcodes.Identify: {
          if (session) {
            ws.close(4005, 'Already authenticated.');
            return;
          }
          session = this.#identify(ws, p.d as Record<string, unknown>);
          return;
        }
        case GatewayOpcodes.Resume: {
          if (session) {
            ws.close(4005, 'Already authenticated.');
            return;
          }
          session = this.#resume(ws, p.d as Record<string, unknown>);
          return;
        }
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.VoiceStateUpdate:
        case GatewayOpcodes.RequestGuildMembers:
          if (!session) ws.close(4003, 'Not authenticated.');
          return;
        default:
          ws.close(4001, 'Unknown opcode.');
      }
    });
    ws.on('close', () => {
      if (session && session.socket === ws) session.socket = null;
    });
    ws.on('error', () => {
      // A client that vanished mid-frame; the session stays resumable.
    });
  }

  #identify(ws: WebSocket, d: Record<string, unknown>): GatewaySession | null {
    if (d.token !== this.#hooks.token) {
      ws.close(4004, 'Authentication failed.');
      return null;
    }
    const [shardId, shardCount] = (d.shard as [number, number] | undefined) ?? [0, 1];
    if (!(shardCount >= 1 && shardId >= 0 && shardId < shardCount)) {
      ws.close(4010, 'Invalid shard.');
      return null;
    }
    if (typeof d.intents !== 'number') {
      ws.close(4013, 'Invalid intent(s).');
      return null;
    }
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      shardId,
      shardCount,
      intents: d.intents,
      seq: 0,
      buffer: [],
      socket: ws,
    };
    this.sessions.set(session.id, session);
    this.#hooks.record({ kind: 'gateway.identify', shardId, shardCount, intents: d.intents });
    const { ready, guilds } = this.#hooks.ready(session);
    this.#sendDispatch(session, 'READY', { ...ready, session_id: session.id, resume_gateway_url: this.#hooks.resumeUrl(), shard: [shardId, shardCount] });
    for (const g of guilds) this.#sendDispatch(session, 'GUILD_CREATE', g);
    return session;
  }

  #resume(ws: WebSocket, d: Record<string, unknown>): GatewaySession | null {
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (d.token !== this.#hooks.token) {
      ws.close(4004, 'Authentication failed.');
      return null;
    }
    const seq = typeof d.seq === 'number' ? d.seq : -1;
    if (!session || seq > session.seq || (session.buffer[0] && seq < session.buffer[0].s! - 1)) {
      // Discord answers an unknown or unreplayable session with op 9, d=false: identify anew.
      ws.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false }));
      return null;
    }
    session.socket?.close(4009, 'Session resumed elsewhere.');
    session.socket = ws;
    const missed = session.buffer.filter((p) => (p.s ?? 0) > seq);
    this.#hooks.record({ kind: 'gateway.resume', shardId: session.shardId, replayed: missed.length });
    for (const p of missed) ws.send(JSON.stringify(p));
    this.#sendDispatch(session, 'RESUMED', {});
    return session;
  }
}
