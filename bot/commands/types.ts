import type {
  ButtonInteraction,
  ChatInputCommandInteraction,
  ContextMenuCommandBuilder,
  MessageContextMenuCommandInteraction,
  SlashCommandOptionsOnlyBuilder,
  SlashCommandSubcommandsOnlyBuilder,
} from 'discord.js';
import type { BotContext } from '../context';

/** A slash command: its definition (registered with Discord) and its handler. */
export interface ChatCommand {
  kind: 'chat';
  data: SlashCommandSubcommandsOnlyBuilder | SlashCommandOptionsOnlyBuilder;
  execute(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void>;
}

/** A message context-menu command (right-click a message → Apps). */
export interface MessageCommand {
  kind: 'message';
  data: ContextMenuCommandBuilder;
  execute(ctx: BotContext, interaction: MessageContextMenuCommandInteraction): Promise<void>;
}

export type Command = ChatCommand | MessageCommand;

/** Buttons, routed by the start of their custom id. */
export interface ButtonHandler {
  prefix: string;
  execute(ctx: BotContext, interaction: ButtonInteraction): Promise<void>;
}
