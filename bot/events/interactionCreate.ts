/**
 * The one interaction router: commands by name and kind, buttons by custom-id prefix. Each
 * interaction is caught on its own; the moderator gets a private answer, the log gets the code.
 */
import { Events, MessageFlags } from 'discord.js';
import type { Interaction } from 'discord.js';
import { BUTTONS, findCommand } from '../commands';
import type { BotContext } from '../context';
import { moderatorText } from '../errors';
import { errorCode } from '../log';
import { defineEvent } from './types';

async function route(ctx: BotContext, interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand()) {
    const cmd = findCommand(interaction.commandName, 'chat');
    if (cmd?.kind === 'chat') return cmd.execute(ctx, interaction);
  } else if (interaction.isMessageContextMenuCommand()) {
    const cmd = findCommand(interaction.commandName, 'message');
    if (cmd?.kind === 'message') return cmd.execute(ctx, interaction);
  } else if (interaction.isButton()) {
    const handler = BUTTONS.find((b) => interaction.customId.startsWith(b.prefix));
    if (handler) return handler.execute(ctx, interaction);
  } else {
    return;
  }
  ctx.log.warn('interaction.unknown', { type: interaction.type, guild: interaction.guildId });
  if (interaction.isRepliable()) await interaction.reply({ content: 'I do not know this command any more.', flags: MessageFlags.Ephemeral });
}

export const interactionCreate = defineEvent({
  name: Events.InteractionCreate,
  async execute(ctx, interaction) {
    try {
      await route(ctx, interaction);
    } catch (err) {
      ctx.log.error('interaction.failed', { guild: interaction.guildId, type: interaction.type, code: errorCode(err) });
      if (!interaction.isRepliable()) return;
      const answer = { content: moderatorText(err), flags: MessageFlags.Ephemeral } as const;
      try {
        if (interaction.replied || interaction.deferred) await interaction.followUp(answer);
        else await interaction.reply(answer);
      } catch {
        // The interaction expired (3 s to answer, 15 min to follow up): nothing more to say.
      }
    }
  },
});
