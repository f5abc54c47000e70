/**
 * `/veil scan channel limit`: checks recent history, newest first, with a progress line that is
 * updated after each page. Requests go through discord.js's REST queue, which waits out rate
 * limits from Discord's headers; nothing here bypasses it.
 */
import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { ChatInputCommandInteraction, GuildTextBasedChannel } from 'discord.js';
import type { BotContext } from '../context';
import { checkMessage } from '../actions/checkMessage';
import { NEEDED, describePermission, missingPermissions } from '../actions/permissions';
import { MAX_SCAN_LIMIT } from './veil';

/** Discord's largest page of message history. */
const PAGE = 100;

export async function runScan(ctx: BotContext, interaction: ChatInputCommandInteraction<'cached'>): Promise<void> {
  if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageMessages)) {
    await interaction.reply({ content: 'Only members with Manage Messages can scan a channel.', flags: MessageFlags.Ephemeral });
    return;
  }
  const option = interaction.options.getChannel('channel', true);
  const channel = interaction.guild.channels.cache.get(option.id);
  if (!channel?.isTextBased()) {
    await interaction.reply({ content: 'That channel has no messages to scan.', flags: MessageFlags.Ephemeral });
    return;
  }
  const missing = missingPermissions(interaction.guild, channel, NEEDED.scanHistory);
  if (missing.length) {
    await interaction.reply({ content: `I cannot read that channel's history. Missing: ${missing.map(describePermission).join(', ')}.`, flags: MessageFlags.Ephemeral });
    return;
  }
  const limit = Math.min(MAX_SCAN_LIMIT, interaction.options.getInteger('limit') ?? 100);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  ctx.log.info('scan.start', { guild: interaction.guildId, channel: channel.id, limit, by: interaction.user.id });

  let scanned = 0;
  let images = 0;
  let matches = 0;
  let removed = 0;
  let before: string | undefined;
  const progress = (done: boolean): string =>
    `${done ? 'Scan finished' : 'Scanning'} <#${channel.id}>: ${scanned} of ${done ? scanned : `up to ${limit}`} messages, ${images} images checked, ${matches} matched, ${removed} messages removed.`;

  while (scanned < limit) {
    const want = Math.min(PAGE, limit - scanned);
    const page = await (channel as GuildTextBasedChannel).messages.fetch({ limit: want, before, cache: false });
    if (page.size === 0) break;
    for (const message of page.values()) {
      const outcome = await checkMessage(ctx, message, true);
      if (outcome) {
        images += outcome.checks.length;
        matches += outcome.checks.filter((c) => c.match).length;
        if (outcome.enforced?.deleted) removed++;
      }
    }
    scanned += page.size;
    before = page.lastKey();
    if (page.size < want || scanned >= limit) break;
    await interaction.editReply({ content: progress(false), allowedMentions: { parse: [] } });
  }
  ctx.log.info('scan.done', { guild: interaction.guildId, channel: channel.id, scanned, images, matches, removed });
  await interaction.editReply({ content: progress(true), allowedMentions: { parse: [] } });
}
