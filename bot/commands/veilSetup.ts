/**
 * `/veil setup`: changes only the options given, then shows the resulting settings and any
 * permission the bot lacks for them, so a moderator finds out now and not at the first match.
 */
import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { ChatInputCommandInteraction, Guild } from 'discord.js';
import type { BotContext } from '../context';
import { NEEDED, describePermission, missingPermissions } from '../actions/permissions';
import { formatDuration } from '../actions/enforce';
import type { GuildSettings, ListAction } from '../store';

export function settingsSummary(s: GuildSettings): string {
  const list = (ids: string[], fmt: (id: string) => string): string => (ids.length ? ids.map(fmt).join(', ') : 'none');
  return [
    `Log channel: ${s.logChannelId ? `<#${s.logChannelId}>` : 'not set (matches are handled but not logged)'}`,
    `Confirmed list: ${s.actions.confirmed}`,
    `Reported list: ${s.actions.reported}`,
    `Timeout: ${s.timeoutSeconds > 0 ? formatDuration(s.timeoutSeconds) : 'off'}`,
    `Private note to the author: ${s.dmAuthor ? 'on' : 'off'}`,
    `Exempt roles: ${list(s.exemptRoles, (id) => `<@&${id}>`)}`,
    `Exempt channels: ${list(s.exemptChannels, (id) => `<#${id}>`)}`,
  ].join('\n');
}

/** Problems the settings would run into, in words. */
export function settingsProblems(guild: Guild, s: GuildSettings): string[] {
  const out: string[] = [];
  const logChannel = s.logChannelId ? guild.channels.cache.get(s.logChannelId) : undefined;
  if (s.logChannelId && !logChannel) out.push('The log channel no longer exists.');
  if (logChannel) {
    const m = missingPermissions(guild, logChannel, NEEDED.log);
    if (m.length) out.push(`In the log channel I lack: ${m.map(describePermission).join(', ')}.`);
  }
  const guildMissing = missingPermissions(guild, null, s.timeoutSeconds > 0 ? [...NEEDED.delete, ...NEEDED.timeout] : NEEDED.delete);
  if (guildMissing.length) out.push(`On this server I lack: ${guildMissing.map(describePermission).join(', ')}.`);
  return out;
}

function toggle(ids: string[], id: string): string[] {
  return ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
}

export async function runSetup(ctx: BotContext, interaction: ChatInputCommandInteraction<'cached'>): Promise<void> {
  if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
    await interaction.reply({ content: 'Only members with Manage Server can change Veil’s settings.', flags: MessageFlags.Ephemeral });
    return;
  }
  const o = interaction.options;
  const s = ctx.store.settings(interaction.guildId);
  const logChannel = o.getChannel('log-channel');
  if (logChannel) s.logChannelId = logChannel.id;
  const confirmed = o.getString('confirmed-action') as ListAction | null;
  if (confirmed) s.actions.confirmed = confirmed;
  const reported = o.getString('reported-action') as ListAction | null;
  if (reported) s.actions.reported = reported;
  const minutes = o.getInteger('timeout-minutes');
  if (minutes !== null) s.timeoutSeconds = minutes * 60;
  const dm = o.getBoolean('dm-author');
  if (dm !== null) s.dmAuthor = dm;
  const role = o.getRole('exempt-role');
  if (role) s.exemptRoles = toggle(s.exemptRoles, role.id);
  const channel = o.getChannel('exempt-channel');
  if (channel) s.exemptChannels = toggle(s.exemptChannels, channel.id);
  const changed = [logChannel, confirmed, reported, minutes, dm, role, channel].some((x) => x !== null);
  if (changed) {
    ctx.store.saveSettings(s);
    ctx.log.info('settings.changed', { guild: interaction.guildId, by: interaction.user.id });
  }
  const problems = settingsProblems(interaction.guild, s);
  const content = [changed ? '**Settings saved.**' : '**Current settings**', settingsSummary(s), ...(problems.length ? ['', '**Needs attention**', ...problems.map((p) => `- ${p}`)] : [])].join('\n');
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
