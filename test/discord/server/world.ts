/**
 * The fake server's state: users, guilds, channels, messages, interactions and CDN blobs, plus
 * the operations both the REST routes and the test API use so that each change is dispatched on
 * the gateway exactly once, the way Discord would.
 */
import { randomBytes } from 'node:crypto';
import { ChannelType, GatewayIntentBits } from 'discord.js';
import type { EventLog } from './events';
import type { FakeGateway, GatewaySession } from './gateway';
import { DiscordHttpError, Errors } from './http';
import type { FakeChannel, FakeGuild, FakeUser, MessagePayload } from './model';
import { SnowflakeFactory, channelPayload, computePermissions, memberPayload, userPayload } from './model';

export interface Blob {
  bytes: Uint8Array;
  contentType: string | null;
  /** Wait this long before answering (download time limits). */
  delayMs?: number;
  /** Send without Content-Length, in chunks (size limits that cannot trust headers). */
  chunked?: boolean;
  /** The `hm` signature Discord puts on attachment URLs; a request without it gets 404. */
  signature?: string;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  guildId: string | null;
  channelId: string;
  userId: string;
  acknowledged: boolean;
  callbackType: number | null;
  /** The original response, once there is one (deferred responses create it empty). */
  original: MessagePayload | null;
  /** For component interactions: the message the component sits on. */
  sourceMessageId: string | null;
}

export interface CommandRecord {
  id: string;
  name: string;
  type: number;
  guildId: string | null;
  body: Record<string, unknown>;
}

const MESSAGE_CONTENT_FIELDS = ['content', 'embeds', 'attachments', 'components', 'poll'] as const;

export class World {
  readonly ids = new SnowflakeFactory();
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  /** Every channel, guild and DM, by id. */
  readonly channels = new Map<string, FakeChannel>();
  /** Messages per channel, oldest first. */
  readonly messages = new Map<string, MessagePayload[]>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands = new Map<string, CommandRecord>();
  readonly blobs = new Map<string, Blob>();
  readonly botUser: FakeUser;
  readonly applicationId: string;
  baseUrl = '';

  constructor(
    readonly gateway: FakeGateway,
    readonly log: EventLog,
    botName: string,
  ) {
    this.botUser = this.addUser(botName, true);
    this.applicationId = this.botUser.id;
  }

  addUser(username: string, bot = false): FakeUser {
    const u: FakeUser = { id: this.ids.next(), username, bot, dmsClosed: false };
    this.users.set(u.id, u);
    return u;
  }

  guildOf(id: string): FakeGuild {
    const g = this.guilds.get(id);
    if (!g) throw Errors.unknownGuild();
    return g;
  }

  channelOf(id: string): FakeChannel {
    const c = this.channels.get(id);
    if (!c) throw Errors.unknownChannel();
    return c;
  }

  /** The bot's effective permissions in a channel (everything in its own DMs). */
  botPermissions(channel: FakeChannel): bigint {
    if (!channel.guildId) return computePermissions({ ownerId: this.botUser.id } as FakeGuild, this.botUser.id);
    return computePermissions(this.guildOf(channel.guildId), this.botUser.id, channel);
  }

  requireBotPermission(channel: FakeChannel, ...perms: bigint[]): void {
    const have = this.botPermissions(channel);
    const view = 1n << 10n;
    if (channel.guildId && (have & view) === 0n) throw Errors.missingAccess();
    for (const p of perms) if ((have & p) !== p) throw Errors.missingPermissions();
  }

  findMessage(channelId: string, messageId: string): MessagePayload {
    const m = this.messages.get(channelId)?.find((x) => x.id === messageId);
    if (!m) throw Errors.unknownMessage();
    return m;
  }

  /** Builds a message payload as Discord sends it; `fields` are the content-bearing parts. */
  buildMessage(channel: FakeChannel, author: FakeUser, fields: Record<string, unknown>): MessagePayload {
    const msg: MessagePayload = {
      id: this.ids.next(),
      channel_id: channel.id,
      author: userPayload(author),
      content: '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: 0,
      flags: 0,
      ...fields,
    };
    if (channel.guildId) {
      msg.guild_id = channel.guildId;
      const member = this.guildOf(channel.guildId).members.get(author.id);
      if (member) msg.member = memberPayload(member);
    }
    return msg;
  }

  /** Stores a message and dispatches MESSAGE_CREATE (ephemeral messages are neither). */
  storeMessage(msg: MessagePayload): void {
    const list = this.messages.get(msg.channel_id) ?? [];
    list.push(msg);
    this.messages.set(msg.channel_id, list);
    this.dispatchMessage('MESSAGE_CREATE', msg);
  }

  dispatchMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', msg: Record<string, unknown>): void {
    const guildId = (msg.guild_id as string | undefined) ?? null;
    this.gateway.dispatch(t, msg, {
      guildId,
      intent: guildId ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages,
      perSession: (d, s) => this.#contentFor(d, s),
    });
  }

  deleteMessage(channelId: string, messageId: string, reason: string | null): void {
    const list = this.messages.get(channelId) ?? [];
    const at = list.findIndex((m) => m.id === messageId);
    if (at < 0) throw Errors.unknownMessage();
    list.splice(at, 1);
    const channel = this.channelOf(channelId);
    const d: Record<string, unknown> = { id: messageId, channel_id: channelId };
    if (channel.guildId) d.guild_id = channel.guildId;
    this.gateway.dispatch('MESSAGE_DELETE', d, {
      guildId: channel.guildId,
      intent: channel.guildId ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages,
    });
    this.log.record({ kind: 'message.deleted', channelId, messageId, reason });
  }

  openDm(userId: string): FakeChannel {
    const user = this.users.get(userId);
    if (!user) throw Errors.unknownUser();
    for (const c of this.channels.values()) if (c.type === ChannelType.DM && c.recipientId === userId) return c;
    const c: FakeChannel = { id: this.ids.next(), guildId: null, name: '', type: ChannelType.DM, overwrites: [], recipientId: userId };
    this.channels.set(c.id, c);
    return c;
  }

  channelJson(c: FakeChannel): Record<string, unknown> {
    return channelPayload(c, this.users);
  }

  /** Registers bytes on the CDN and returns the path under the server's base URL. */
  putBlob(path: string, blob: Blob): string {
    this.blobs.set(path, blob);
    return path;
  }

  newSignature(): { query: string; signature: string } {
    const expires = Math.floor(Date.now() / 1000) + 86_400;
    const signature = randomBytes(16).toString('hex');
    return { query: `ex=${expires.toString(16)}&is=${(expires - 86_400).toString(16)}&hm=${signature}&`, signature };
  }

  newInteraction(type: number, guildId: string | null, channelId: string, userId: string, sourceMessageId: string | null): InteractionRecord {
    const rec: InteractionRecord = {
      id: this.ids.next(),
      token: `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`,
      type,
      guildId,
      channelId,
      userId,
      acknowledged: false,
      callbackType: null,
      original: null,
      sourceMessageId,
    };
    this.interactions.set(rec.id, rec);
    return rec;
  }

  interactionByToken(token: string): InteractionRecord {
    for (const r of this.interactions.values()) if (r.token === token) return r;
    throw Errors.unknownWebhook();
  }

  /**
   * Without the MESSAGE_CONTENT intent Discord blanks content, embeds, attachments and
   * components of messages that neither mention the bot nor come from it.
   */
  #contentFor(d: Record<string, unknown>, session: GatewaySession): Record<string, unknown> {
    if (session.intents & GatewayIntentBits.MessageContent) return d;
    const author = d.author as { id?: string } | undefined;
    if (author?.id === this.botUser.id) return d;
    const out = { ...d };
    for (const f of MESSAGE_CONTENT_FIELDS) {
      if (f in out) out[f] = f === 'content' ? '' : [];
    }
    return out;
  }
}

export function assertString(v: unknown, field: string): string {
  if (typeof v !== 'string') throw Errors.invalidForm(`${field} must be a string`);
  return v;
}

export { DiscordHttpError };
