/**
 * In-memory model of the Discord objects the fake server knows about, and the payload builders
 * that turn them into the JSON shapes Discord's API v10 sends. Only the fields discord.js reads
 * are filled; the rest are left out the way Discord leaves out optional fields.
 */
import { ChannelType, PermissionFlagsBits } from 'discord.js';

/** Discord's epoch (2015-01-01T00:00:00Z), the zero of snowflake timestamps. */
const DISCORD_EPOCH = 1420070400000n;

/** Snowflakes: 42 bits of milliseconds since DISCORD_EPOCH, then 22 bits of counter, monotonic. */
export class SnowflakeFactory {
  #last = 0n;

  next(): string {
    let id = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export interface FakeUser {
  id: string;
  username: string;
  bot: boolean;
  /** When true, POST /channels/{dm}/messages to this user answers 50007 like closed DMs. */
  dmsClosed: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
}

export interface Overwrite {
  id: string;
  /** 0 = role, 1 = member (Discord's numbering). */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface FakeChannel {
  id: string;
  guildId: string | null;
  name: string;
  type: ChannelType;
  overwrites: Overwrite[];
  /** DM channels: the other user. */
  recipientId?: string;
}

export interface FakeMember {
  userId: string;
  roles: string[];
  joinedAt: string;
  communicationDisabledUntil: string | null;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, FakeRole>;
  channels: Map<string, FakeChannel>;
  members: Map<string, FakeMember>;
  stickers: Map<string, FakeSticker>;
}

export interface FakeSticker {
  id: string;
  name: string;
  /** 1 PNG, 2 APNG, 3 Lottie, 4 GIF (Discord's StickerFormatType). */
  formatType: 1 | 2 | 3 | 4;
  guildId: string;
}

/** A stored message: the API payload as Discord would send it, kept as JSON. */
export type MessagePayload = Record<string, unknown> & { id: string; channel_id: string };

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n);

/**
 * Discord's permission algorithm (developer docs, "Permissions: Permission Hierarchy"):
 * owner and Administrator get everything; otherwise @everyone's and the member's roles are ORed,
 * then channel overwrites apply in order: @everyone, the member's roles (denies then allows), the member.
 */
export function computePermissions(guild: FakeGuild, userId: string, channel?: FakeChannel): bigint {
  if (guild.ownerId === userId) return ALL_PERMISSIONS;
  const member = guild.members.get(userId);
  if (!member) return 0n;
  let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
  for (const roleId of member.roles) perms |= guild.roles.get(roleId)?.permissions ?? 0n;
  if (perms & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
  if (!channel) return perms;
  const everyone = channel.overwrites.find((o) => o.id === guild.id);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of channel.overwrites) {
    if (o.type === 0 && member.roles.includes(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  perms = (perms & ~deny) | allow;
  const own = channel.overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) perms = (perms & ~own.deny) | own.allow;
  return perms;
}

/** Highest role position of a member (0 for @everyone only); the owner is above everyone. */
export function highestRolePosition(guild: FakeGuild, userId: string): number {
  if (guild.ownerId === userId) return Number.MAX_SAFE_INTEGER;
  const member = guild.members.get(userId);
  let top = 0;
  for (const roleId of member?.roles ?? []) top = Math.max(top, guild.roles.get(roleId)?.position ?? 0);
  return top;
}

export function userPayload(u: FakeUser): Record<string, unknown> {
  return {
    id: u.id,
    username: u.username,
    global_name: u.username,
    discriminator: '0',
    avatar: null,
    bot: u.bot,
    system: false,
    public_flags: 0,
    flags: 0,
  };
}

export function rolePayload(r: FakeRole): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: r.position,
    permissions: r.permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

export function channelPayload(c: FakeChannel, users?: Map<string, FakeUser>): Record<string, unknown> {
  if (c.type === ChannelType.DM) {
    const recipient = c.recipientId ? users?.get(c.recipientId) : undefined;
    return {
      id: c.id,
      type: c.type,
      last_message_id: null,
      recipients: recipient ? [userPayload(recipient)] : [],
      flags: 0,
    };
  }
  return {
    id: c.id,
    type: c.type,
    guild_id: c.guildId,
    name: c.name,
    position: 0,
    permission_overwrites: c.overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

/** The member object without `user` is what MESSAGE_CREATE carries; with it, what REST returns. */
export function memberPayload(m: FakeMember, user?: FakeUser): Record<string, unknown> {
  const out: Record<string, unknown> = {
    roles: [...m.roles],
    nick: null,
    avatar: null,
    banner: null,
    joined_at: m.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: m.communicationDisabledUntil,
  };
  if (user) out.user = userPayload(user);
  return out;
}

export function stickerItemPayload(s: FakeSticker): Record<string, unknown> {
  return { id: s.id, name: s.name, format_type: s.formatType };
}

export function guildPayload(g: FakeGuild, users: Map<string, FakeUser>, withMembers: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    features: [],
    application_id: null,
    roles: [...g.roles.values()].map(rolePayload),
    emojis: [],
    stickers: [...g.stickers.values()].map((s) => ({
      ...stickerItemPayload(s),
      description: null,
      tags: 'photo',
      type: 2,
      available: true,
      guild_id: g.id,
    })),
  };
  if (withMembers) {
    // GUILD_CREATE extras (gateway only).
    Object.assign(out, {
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: g.members.size,
      members: [...g.members.values()].map((m) => memberPayload(m, users.get(m.userId))),
      channels: [...g.channels.values()].map((c) => channelPayload(c)),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    });
  }
  return out;
}
