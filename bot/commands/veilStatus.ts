/**
 * `/veil status`: the lists (version, entries, last update and check, errors: the bot keeps
 * working from its local copy when the registry is down), this server's settings, and every
 * permission the bot lacks, both as checked now and as recorded when an action needed it.
 */
import { EmbedBuilder, MessageFlags, TimestampStyles, time } from 'discord.js';
import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../context';
import { describePermission } from '../actions/permissions';
import { COLOR_DONE } from '../actions/cards';
import { settingsProblems, settingsSummary } from './veilSetup';

function when(ms: number | null): string {
  return ms ? time(new Date(ms), TimestampStyles.RelativeTime) : 'never';
}

export function listsSummary(ctx: BotContext): string {
  const s = ctx.lists.status();
  if (!s.configured) return 'No registry is configured (VEIL_REGISTRY_URL), so there are no lists to check against.';
  const lines = s.lists.map((l) => {
    const base = `**${l.list}**: ${l.count.toLocaleString('en-US')} entries, version ${l.seq}, updated ${when(l.lastUpdate)}, last checked ${when(l.lastCheck)}`;
    return l.lastError ? `${base}\n  last error ${when(l.lastError.at)}: ${l.lastError.message}` : base;
  });
  if (s.failures > 0) lines.push(`The registry could not be reached on the last ${s.failures} attempt(s); matching continues with the local copy.`);
  return lines.join('\n');
}

export async function runStatus(ctx: BotContext, interaction: ChatInputCommandInteraction<'cached'>): Promise<void> {
  const guild = interaction.guild;
  const settings = ctx.store.settings(guild.id);
  const problems = settingsProblems(guild, settings);
  for (const n of ctx.store.missingPermissions(guild.id)) {
    problems.push(`${describePermission(n.permission)} ${n.channelId ? `in <#${n.channelId}>` : 'on this server'} (needed ${when(n.since)})`);
  }
  const stats = ctx.scanner.stats;
  const embed = new EmbedBuilder()
    .setColor(COLOR_DONE)
    .setTitle('Veil status')
    .addFields(
      { name: 'Lists', value: listsSummary(ctx).slice(0, 1024) },
      { name: 'Reporting', value: ctx.reporter ? 'On: "Report leaked photo" and Confirm send hashes to the registry.' : 'Off: no reporter key (VEIL_REGISTRY_KEY) is configured.' },
      { name: 'This server', value: `${settingsSummary(settings)}\nEntries allowed here after review: ${ctx.store.allowListSize(guild.id)}`.slice(0, 1024) },
      { name: 'Missing permissions', value: problems.length ? [...new Set(problems)].map((p) => `- ${p}`).join('\n').slice(0, 1024) : 'None.' },
      { name: 'Since start', value: `${stats.images} images checked, ${stats.matched} matched, ${stats.failed} could not be read.` },
    );
  await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}
