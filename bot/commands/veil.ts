/**
 * `/veil setup | status | scan`: one command with subcommands, shown by default only to members
 * with Manage Server (servers can change that under Integrations; the handlers check again).
 */
import { ChannelType, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { LIST_ACTIONS } from '../store';
import type { ChatCommand } from './types';
import { runScan } from './veilScan';
import { runSetup } from './veilSetup';
import { runStatus } from './veilStatus';

const TEXT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;
const SCAN_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.GuildVoice] as const;
const actionChoices = LIST_ACTIONS.map((a) => ({ name: { delete: 'delete the message', review: 'delete and hold for review', log: 'only log it' }[a], value: a }));

/** Discord's longest timeout is 28 days. */
export const MAX_TIMEOUT_MINUTES = 28 * 24 * 60;
export const MAX_SCAN_LIMIT = 1000;

export const veil = {
  kind: 'chat',
  data: new SlashCommandBuilder()
    .setName('veil')
    .setDescription('Veil: remove leaked private photos')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('setup')
        .setDescription('Set the log channel and what happens on a match (no options: show the settings)')
        .addChannelOption((o) => o.setName('log-channel').setDescription("The moderators' channel for Veil's log").addChannelTypes(...TEXT_CHANNELS))
        .addStringOption((o) => o.setName('confirmed-action').setDescription('On a match with the confirmed list').addChoices(...actionChoices))
        .addStringOption((o) => o.setName('reported-action').setDescription('On a match with the reported (unreviewed) list').addChoices(...actionChoices))
        .addIntegerOption((o) => o.setName('timeout-minutes').setDescription('Time the author out for this long (0: no timeout)').setMinValue(0).setMaxValue(MAX_TIMEOUT_MINUTES))
        .addBooleanOption((o) => o.setName('dm-author').setDescription('Tell the author privately why the message was removed'))
        .addRoleOption((o) => o.setName('exempt-role').setDescription('Add or remove a role whose messages are not checked'))
        .addChannelOption((o) => o.setName('exempt-channel').setDescription('Add or remove a channel that is not checked').addChannelTypes(...SCAN_CHANNELS)),
    )
    .addSubcommand((s) => s.setName('status').setDescription('Lists, last update, settings and missing permissions'))
    .addSubcommand((s) =>
      s
        .setName('scan')
        .setDescription('Check the recent history of a channel')
        .addChannelOption((o) => o.setName('channel').setDescription('The channel to scan').setRequired(true).addChannelTypes(...SCAN_CHANNELS))
        .addIntegerOption((o) => o.setName('limit').setDescription(`How many recent messages (default 100, at most ${MAX_SCAN_LIMIT})`).setMinValue(1).setMaxValue(MAX_SCAN_LIMIT)),
    ),
  async execute(ctx, interaction) {
    if (!interaction.inCachedGuild()) {
      await interaction.reply({ content: 'Use this command in a server.', flags: MessageFlags.Ephemeral });
      return;
    }
    switch (interaction.options.getSubcommand()) {
      case 'setup':
        return runSetup(ctx, interaction);
      case 'status':
        return runStatus(ctx, interaction);
      case 'scan':
        return runScan(ctx, interaction);
      default:
        await interaction.reply({ content: 'Unknown subcommand.', flags: MessageFlags.Ephemeral });
    }
  },
} satisfies ChatCommand;
