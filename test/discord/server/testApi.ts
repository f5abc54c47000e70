/**
 * The test-facing half of the fake server: build guilds, act as users (post, edit, run commands,
 * press buttons) and read what the bot did. Every change is dispatched on the gateway as Discord
 * would dispatch it.
 */
import { ApplicationCommandOptionType, ApplicationCommandType, ChannelType, ComponentType, GatewayIntentBits, InteractionType, PermissionFlagsBits } from 'discord.js';
import type { EventLog } from './events';
import type { FakeGuild, MessagePayload, Overwrite } from './model';
import { channelPayload, computePermissions, guildPayload, memberPayload, rolePayload, stickerItemPayload, userPayload } from './model';
import type { InteractionRecord, World } from './world';

export interface AttachmentInput {
  filename: string;
  bytes: Uint8Array;
  /** null leaves content_type out, as Discord does for files it cannot identify. */
  contentType?: string | null;
  width?: number;
  height?: number;
  /** Claimed size in the payload (defaults to the real byte count). */
  size?: number;
  delayMs?: number;
  chunked?: boolean;
}

export interface HostedImage {
  /** The original (external) URL, which a client must not fetch itself. */
  url: string;
  /** The media proxy's copy, which is what a client should fetch. */
  proxyUrl: string;
}

export interface CommandOption {
  name: string;
  type: ApplicationCommandOptionType;
  value: string | number | boolean;
}

export const DEFAULT_MEMBER_PERMISSIONS =
  PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.AttachFiles | PermissionFlagsBits.EmbedLinks;

export class TestApi {
  readonly log: EventLog;
  #hosted = 0;

  constructor(readonly world: World) {
    this.log = world.log;
  }

  get botUserId(): string {
    return this.world.botUser.id;
  }
  get applicationId(): string {
    return this.world.applicationId;
  }

  createUser(username: string, opts: { bot?: boolean; dmsClosed?: boolean } = {}): string {
    const u = this.world.addUser(username, opts.bot ?? false);
    u.dmsClosed = opts.dmsClosed ?? false;
    return u.id;
  }

  /**
   * A guild owned by `ownerId` (a new user if omitted), with the bot as a member holding a
   * "Veil" role with `botPermissions`. Returns the guild id; the bot role is `botRoleId(guild)`.
   */
  createGuild(name: string, opts: { ownerId?: string; botPermissions?: bigint } = {}): string {
    const w = this.world;
    const ownerId = opts.ownerId ?? this.createUser(`${name}-owner`);
    const id = w.ids.next();
    const g: FakeGuild = { id, name, ownerId, roles: new Map(), channels: new Map(), members: new Map(), stickers: new Map() };
    g.roles.set(id, { id, name: '@everyone', permissions: DEFAULT_MEMBER_PERMISSIONS, position: 0 });
    w.guilds.set(id, g);
    const botRole = this.createRole(id, 'Veil', opts.botPermissions ?? DEFAULT_MEMBER_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ModerateMembers, 10);
    g.members.set(ownerId, { userId: ownerId, roles: [], joinedAt: new Date().toISOString(), communicationDisabledUntil: null });
    g.members.set(w.botUser.id, { userId: w.botUser.id, roles: [botRole], joinedAt: new Date().toISOString(), communicationDisabledUntil: null });
    // A guild added while the bot is connected arrives as GUILD_CREATE (the bot was invited).
    w.gateway.dispatch('GUILD_CREATE', guildPayload(g, w.users, true), { guildId: id, intent: GatewayIntentBits.Guilds });
    return id;
  }

  botRoleId(guildId: string): string {
    return [...this.world.guildOf(guildId).roles.values()].find((r) => r.name === 'Veil')!.id;
  }

  createRole(guildId: string, name: string, permissions: bigint, position = 1): string {
    const g = this.world.guildOf(guildId);
    const role = { id: this.world.ids.next(), name, permissions, position };
    g.roles.set(role.id, role);
    this.world.gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role: rolePayload(role) }, { guildId, intent: GatewayIntentBits.Guilds });
    return role.id;
  }

  setRolePermissions(guildId: string, roleId: string, permissions: bigint): void {
    const role = this.world.guildOf(guildId).roles.get(roleId)!;
    role.permissions = permissions;
    this.world.gateway.dispatch('GUILD_ROLE_UPDATE', { guild_id: guildId, role: rolePayload(role) }, { guildId, intent: GatewayIntentBits.Guilds });
  }

  createChannel(guildId: string, name: string, overwrites: Overwrite[] = []): string {
    const g = this.world.guildOf(guildId);
    const c = { id: this.world.ids.next(), guildId, name, type: ChannelType.GuildText, overwrites };
    g.channels.set(c.id, c);
    this.world.channels.set(c.id, c);
    this.world.gateway.dispatch('CHANNEL_CREATE', channelPayload(c), { guildId, intent: GatewayIntentBits.Guilds });
    return c.id;
  }

  addMember(guildId: string, userId: string, roles: string[] = []): void {
    const g = this.world.guildOf(guildId);
    const m = { userId, roles, joinedAt: new Date().toISOString(), communicationDisabledUntil: null };
    g.members.set(userId, m);
    this.world.gateway.dispatch('GUILD_MEMBER_ADD', { ...memberPayload(m, this.world.users.get(userId)), guild_id: guildId }, { guildId, intent: GatewayIntentBits.GuildMembers });
  }

  member(guildId: string, userId: string): { roles: string[]; communicationDisabledUntil: string | null } | undefined {
    return this.world.guildOf(guildId).members.get(userId);
  }

  /** A guild sticker whose image the CDN serves (PNG, APNG and Lottie on the CDN, GIF on the media proxy). */
  createSticker(guildId: string, name: string, formatType: 1 | 2 | 3 | 4, bytes: Uint8Array): string {
    const g = this.world.guildOf(guildId);
    const s = { id: this.world.ids.next(), name, formatType, guildId };
    g.stickers.set(s.id, s);
    const ext = { 1: 'png', 2: 'png', 3: 'json', 4: 'gif' }[formatType];
    const base = formatType === 4 ? '/media' : '/cdn';
    const type = { 1: 'image/png', 2: 'image/png', 3: 'application/json', 4: 'image/gif' }[formatType];
    this.world.putBlob(`${base}/stickers/${s.id}.${ext}`, { bytes, contentType: type });
    return s.id;
  }

  /** Serves bytes as an external image behind the media proxy (link previews, `embeds[].image`). */
  hostImage(bytes: Uint8Array, contentType: string | null = 'image/jpeg', opts: { delayMs?: number; chunked?: boolean } = {}): HostedImage {
    const n = ++this.#hosted;
    const path = this.world.putBlob(`/media/external/h${n}/https/photos.example.com/p${n}.jpg`, { bytes, contentType, ...opts });
    return { url: `https://photos.example.com/p${n}.jpg`, proxyUrl: `${this.world.baseUrl}${path}` };
  }

  /** Uploads bytes as an attachment would be stored and returns its signed CDN URL (for pasting as text). */
  cdnUrl(channelId: string, filename: string, bytes: Uint8Array, contentType: string | null = 'image/jpeg'): string {
    return this.#attachment(channelId, { filename, bytes, contentType }).url as string;
  }

  /** A user posts a message; MESSAGE_CREATE goes to the bot. */
  postMessage(opts: { channelId: string; authorId: string; content?: string; attachments?: AttachmentInput[]; embeds?: Record<string, unknown>[]; stickerIds?: string[] }): MessagePayload {
    const w = this.world;
    const channel = w.channelOf(opts.channelId);
    const author = w.users.get(opts.authorId)!;
    const stickers = (opts.stickerIds ?? []).map((id) => stickerItemPayload(w.guildOf(channel.guildId!).stickers.get(id)!));
    const msg = w.buildMessage(channel, author, {
      content: opts.content ?? '',
      attachments: (opts.attachments ?? []).map((a) => this.#attachment(channel.id, a)),
      embeds: opts.embeds ?? [],
      sticker_items: stickers,
    });
    w.storeMessage(msg);
    return msg;
  }

  /**
   * Discord edits a message: a user's edit (full message, `edited_timestamp` set) or a link
   * preview arriving later (`partial`: only id, channel and the new embeds, no edit time).
   */
  updateMessage(channelId: string, messageId: string, patch: { content?: string; embeds?: Record<string, unknown>[]; attachments?: AttachmentInput[] }, partial = false): void {
    const w = this.world;
    const msg = w.findMessage(channelId, messageId);
    if (patch.content !== undefined) msg.content = patch.content;
    if (patch.embeds) msg.embeds = patch.embeds;
    if (patch.attachments) msg.attachments = patch.attachments.map((a) => this.#attachment(channelId, a));
    if (!partial) msg.edited_timestamp = new Date().toISOString();
    const d: Record<string, unknown> = partial ? { id: msg.id, channel_id: msg.channel_id, guild_id: msg.guild_id, embeds: msg.embeds } : msg;
    w.dispatchMessage('MESSAGE_UPDATE', d);
  }

  messagesIn(channelId: string): MessagePayload[] {
    return [...(this.world.messages.get(channelId) ?? [])];
  }

  hasMessage(channelId: string, messageId: string): boolean {
    return this.messagesIn(channelId).some((m) => m.id === messageId);
  }

  /** A member runs `/name subcommand options…`; the command must have been registered by the bot. */
  sendSlashCommand(opts: { guildId: string; channelId: string; userId: string; name: string; subcommand?: string; options?: CommandOption[] }): InteractionRecord {
    const command = this.#command(opts.name, ApplicationCommandType.ChatInput, opts.guildId);
    const resolved: Record<string, Record<string, unknown>> = {};
    const g = this.world.guildOf(opts.guildId);
    const options = (opts.options ?? []).map((o) => {
      if (o.type === ApplicationCommandOptionType.Channel) {
        const c = this.world.channelOf(String(o.value));
        (resolved.channels ??= {})[c.id] = { ...channelPayload(c), permissions: computePermissions(g, opts.userId, c).toString() };
      }
      if (o.type === ApplicationCommandOptionType.Role) (resolved.roles ??= {})[String(o.value)] = rolePayload(g.roles.get(String(o.value))!);
      return { name: o.name, type: o.type, value: o.value };
    });
    const data: Record<string, unknown> = {
      id: command.id,
      name: command.name,
      type: ApplicationCommandType.ChatInput,
      options: opts.subcommand ? [{ name: opts.subcommand, type: ApplicationCommandOptionType.Subcommand, options }] : options,
    };
    if (command.guildId) data.guild_id = command.guildId;
    if (Object.keys(resolved).length) data.resolved = resolved;
    return this.#interaction(InteractionType.ApplicationCommand, opts.guildId, opts.channelId, opts.userId, data, null);
  }

  /** A member picks a message context-menu command (Apps → name) on a message. */
  sendMessageCommand(opts: { guildId: string; channelId: string; userId: string; name: string; messageId: string }): InteractionRecord {
    const command = this.#command(opts.name, ApplicationCommandType.Message, opts.guildId);
    const target = this.world.findMessage(opts.channelId, opts.messageId);
    const data: Record<string, unknown> = { id: command.id, name: command.name, type: ApplicationCommandType.Message, target_id: target.id, resolved: { messages: { [target.id]: target } } };
    if (command.guildId) data.guild_id = command.guildId;
    return this.#interaction(InteractionType.ApplicationCommand, opts.guildId, opts.channelId, opts.userId, data, null);
  }

  /** A member presses a button on a message the bot posted. */
  clickButton(opts: { guildId: string; channelId: string; userId: string; messageId: string; customId: string }): InteractionRecord {
    this.world.findMessage(opts.channelId, opts.messageId);
    const data = { custom_id: opts.customId, component_type: ComponentType.Button };
    return this.#interaction(InteractionType.MessageComponent, opts.guildId, opts.channelId, opts.userId, data, opts.messageId);
  }

  /**
   * The first thing the user sees from an interaction: the immediate reply, or, after a
   * deferral, the edit of the original or the first follow-up. Returns that message.
   */
  async waitForReply(rec: InteractionRecord, timeoutMs = 10_000): Promise<MessagePayload> {
    const cb = await this.log.waitFor('interaction.callback', (e) => e.interactionId === rec.id, timeoutMs);
    if (cb.type === 4 || cb.type === 7) return rec.original ?? this.world.findMessage(rec.channelId, rec.sourceMessageId!);
    const next = await Promise.race([
      this.log.waitFor('interaction.original-edited', (e) => e.interactionId === rec.id, timeoutMs),
      this.log.waitFor('interaction.followup', (e) => e.interactionId === rec.id, timeoutMs),
    ]);
    return next.message;
  }

  #command(name: string, type: ApplicationCommandType, guildId: string): { id: string; name: string; guildId: string | null } {
    const all = [...this.world.commands.values()].filter((c) => c.name === name && c.type === type);
    const c = all.find((x) => x.guildId === guildId) ?? all.find((x) => x.guildId === null);
    if (!c) throw new Error(`The bot has not registered a command named ${name} (type ${type}).`);
    return c;
  }

  #attachment(channelId: string, a: AttachmentInput): Record<string, unknown> {
    const w = this.world;
    const id = w.ids.next();
    const { query, signature } = w.newSignature();
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(a.filename)}`;
    w.putBlob(`/cdn${path}`, { bytes: a.bytes, contentType: a.contentType === undefined ? 'image/jpeg' : a.contentType, delayMs: a.delayMs, chunked: a.chunked, signature });
    w.putBlob(`/media${path}`, { bytes: a.bytes, contentType: a.contentType === undefined ? 'image/jpeg' : a.contentType, delayMs: a.delayMs, chunked: a.chunked, signature });
    const out: Record<string, unknown> = {
      id,
      filename: a.filename,
      size: a.size ?? a.bytes.length,
      url: `${w.baseUrl}/cdn${path}?${query}`,
      proxy_url: `${w.baseUrl}/media${path}?${query}`,
      flags: 0,
    };
    if (a.contentType !== null) out.content_type = a.contentType ?? 'image/jpeg';
    if (a.width) Object.assign(out, { width: a.width, height: a.height });
    return out;
  }

  #interaction(type: InteractionType, guildId: string, channelId: string, userId: string, data: Record<string, unknown>, sourceMessageId: string | null): InteractionRecord {
    const w = this.world;
    const g = w.guildOf(guildId);
    const channel = w.channelOf(channelId);
    const member = g.members.get(userId);
    if (!member) throw new Error('The user is not a member of that guild.');
    const rec = w.newInteraction(type, guildId, channelId, userId, sourceMessageId);
    const d: Record<string, unknown> = {
      id: rec.id,
      application_id: w.applicationId,
      type,
      token: rec.token,
      version: 1,
      guild_id: guildId,
      guild: { id: guildId, locale: 'en-US', features: [] },
      channel_id: channelId,
      channel: { ...channelPayload(channel), permissions: computePermissions(g, userId, channel).toString() },
      member: { ...memberPayload(member, w.users.get(userId)), permissions: computePermissions(g, userId, channel).toString() },
      app_permissions: w.botPermissions(channel).toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
      data,
    };
    if (sourceMessageId) d.message = w.findMessage(channelId, sourceMessageId);
    w.gateway.dispatch('INTERACTION_CREATE', d, { guildId });
    return rec;
  }
}

export { guildPayload, userPayload };
