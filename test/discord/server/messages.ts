/**
 * Message bodies from the bot, validated the way Discord validates them (so an over-long embed
 * fails here as it would there), and edits that dispatch MESSAGE_UPDATE.
 */
import { DiscordHttpError, Errors } from './http';
import type { MessagePayload } from './model';
import type { World } from './world';

/** Discord's embed limits (developer docs, "Embed Limits"). */
export function validateEmbeds(embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds) || embeds.length > 10) throw Errors.invalidForm('embeds must be an array of at most 10');
  let total = 0;
  for (const e of embeds as Record<string, unknown>[]) {
    const title = (e.title as string | undefined) ?? '';
    const desc = (e.description as string | undefined) ?? '';
    if (title.length > 256) throw Errors.invalidForm('embed title longer than 256');
    if (desc.length > 4096) throw Errors.invalidForm('embed description longer than 4096');
    total += title.length + desc.length;
    const fields = (e.fields as { name: string; value: string }[] | undefined) ?? [];
    if (fields.length > 25) throw Errors.invalidForm('more than 25 embed fields');
    for (const f of fields) {
      if (typeof f.name !== 'string' || !f.name || f.name.length > 256) throw Errors.invalidForm('embed field name must be 1..256 characters');
      if (typeof f.value !== 'string' || !f.value || f.value.length > 1024) throw Errors.invalidForm('embed field value must be 1..1024 characters');
      total += f.name.length + f.value.length;
    }
    const footer = (e.footer as { text?: string } | undefined)?.text ?? '';
    if (footer.length > 2048) throw Errors.invalidForm('embed footer longer than 2048');
    total += footer.length;
  }
  if (total > 6000) throw Errors.invalidForm('embeds longer than 6000 characters in total');
}

/** The parts of a message body the fake keeps; validated like Discord does. */
export function messageFields(body: Record<string, unknown>): Record<string, unknown> {
  validateEmbeds(body.embeds);
  const content = (body.content as string | undefined) ?? '';
  if (content.length > 2000) throw Errors.invalidForm('content longer than 2000');
  const embeds = (body.embeds as unknown[] | undefined) ?? [];
  const components = (body.components as unknown[] | undefined) ?? [];
  if (!content && embeds.length === 0 && components.length === 0) throw new DiscordHttpError(400, 50006, 'Cannot send an empty message');
  return { content, embeds, components, flags: (body.flags as number | undefined) ?? 0 };
}

/** Applies an edit from the bot and dispatches MESSAGE_UPDATE. */
export function editMessage(world: World, msg: MessagePayload, b: Record<string, unknown>): void {
  validateEmbeds(b.embeds);
  for (const k of ['content', 'embeds', 'components', 'flags'] as const) if (k in b) msg[k] = b[k];
  msg.edited_timestamp = new Date().toISOString();
  world.dispatchMessage('MESSAGE_UPDATE', msg);
  world.log.record({ kind: 'message.edited', channelId: msg.channel_id, message: msg });
}
