/**
 * Permission checks before every action. A missing permission is reported once (to the log
 * channel, and in `/veil status`), then the action is simply skipped until the permission comes
 * back: Discord bans bots that keep sending requests that fail, so nothing here retries.
 */
import { DiscordAPIError, EmbedBuilder, PermissionFlagsBits } from 'discord.js';
import type { Guild, GuildBasedChannel, PermissionsString } from 'discord.js';
import type { BotContext } from '../context';

/** Discord's JSON error codes the bot branches on. */
export const DiscordCodes = {
  UnknownMessage: 10008,
  MissingAccess: 50001,
  CannotDm: 50007,
  MissingPermissions: 50013,
} as const;

export const GUILD_WIDE = '';

/** What the bot needs to do each job, for the checks and for `/veil status`. */
export const NEEDED = {
  delete: ['ViewChannel', 'ManageMessages'],
  timeout: ['ModerateMembers'],
  log: ['ViewChannel', 'SendMessages', 'EmbedLinks'],
  scanHistory: ['ViewChannel', 'ReadMessageHistory'],
} as const satisfies Record<string, readonly PermissionsString[]>;

const DESCRIBE: Partial<Record<PermissionsString, string>> = {
  ManageMessages: 'Manage Messages (to remove matching messages)',
  ModerateMembers: 'Timeout Members (to time out authors)',
  SendMessages: 'Send Messages (to post to the log channel)',
  EmbedLinks: 'Embed Links (to post log entries)',
  ViewChannel: 'View Channel',
  ReadMessageHistory: 'Read Message History (for /veil scan)',
};

export function describePermission(p: string): string {
  return DESCRIBE[p as PermissionsString] ?? p;
}

/** The permissions of `needed` the bot lacks in a channel (or guild-wide when channel is null). */
export function missingPermissions(guild: Guild, channel: GuildBasedChannel | null, needed: readonly PermissionsString[]): PermissionsString[] {
  const me = guild.members.me;
  if (!me) return [...needed];
  const have = channel ? channel.permissionsFor(me) : me.permissions;
  return needed.filter((p) => !have.has(PermissionFlagsBits[p]));
}

/**
 * True when the bot has every permission in `needed`. Otherwise records each missing one and,
 * the first time only, tells the moderators in the log channel (if it can post there).
 */
export async function requirePermissions(ctx: BotContext, guild: Guild, channel: GuildBasedChannel | null, needed: readonly PermissionsString[], purpose: string): Promise<boolean> {
  const missing = missingPermissions(guild, channel, needed);
  const channelId = channel?.id ?? GUILD_WIDE;
  for (const p of needed) {
    if (!missing.includes(p)) ctx.store.clearMissingPermission(guild.id, p, channelId);
  }
  if (missing.length === 0) return true;
  await reportMissing(ctx, guild, channelId, missing, purpose);
  return false;
}

/** Called when Discord itself answered 50013/50001 (e.g. role hierarchy the local check cannot see). */
export async function reportRefused(ctx: BotContext, guild: Guild, channelId: string, permission: PermissionsString, purpose: string): Promise<void> {
  await reportMissing(ctx, guild, channelId, [permission], purpose);
}

async function reportMissing(ctx: BotContext, guild: Guild, channelId: string, missing: PermissionsString[], purpose: string): Promise<void> {
  const fresh = missing.filter((p) => ctx.store.noteMissingPermission(guild.id, p, channelId));
  if (fresh.length === 0) return;
  ctx.log.warn('permission.missing', { guild: guild.id, channel: channelId || undefined, missing: fresh.join(','), purpose });
  const settings = ctx.store.settings(guild.id);
  const logChannel = settings.logChannelId ? guild.channels.cache.get(settings.logChannelId) : undefined;
  if (!logChannel?.isSendable() || missingPermissions(guild, logChannel, NEEDED.log).length > 0) return;
  const where = channelId ? `in <#${channelId}>` : 'on this server';
  const embed = new EmbedBuilder()
    .setColor(0xf0b232)
    .setTitle('Veil is missing a permission')
    .setDescription(`I could not ${purpose} ${where}. Missing: ${fresh.map(describePermission).join(', ')}.\nI will not retry; grant the permission and I will pick up from the next message. \`/veil status\` lists what is missing.`);
  await logChannel.send({ embeds: [embed] }).catch((err: unknown) => {
    ctx.log.warn('permission.notice-failed', { guild: guild.id, code: err instanceof DiscordAPIError ? err.code : 'unknown' });
  });
}

export function isDiscordCode(err: unknown, code: number): boolean {
  return err instanceof DiscordAPIError && err.code === code;
}
