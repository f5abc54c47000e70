/**
 * Interaction responses: the callback endpoint (token auth, no bot token), the original response
 * and follow-ups through the application's webhook. Ephemeral messages (flag 64) are kept on the
 * interaction only, never in the channel, as on Discord.
 */
import { InteractionResponseType, MessageFlags } from 'discord.js';
import type { Route, RouteContext } from './http';
import { Errors } from './http';
import type { MessagePayload } from './model';
import { editMessage, messageFields } from './messages';
import type { InteractionRecord, World } from './world';

export function interactionRoutes(world: World): Route[] {
  const followups = new Map<string, { rec: InteractionRecord; msg: MessagePayload }>();
  const body = (ctx: RouteContext): Record<string, unknown> => (ctx.body ?? {}) as Record<string, unknown>;

  const respond = (rec: InteractionRecord, data: Record<string, unknown>, loading: boolean): MessagePayload => {
    const channel = world.channelOf(rec.channelId);
    const fields = loading ? { content: '', embeds: [], components: [], flags: ((data.flags as number | undefined) ?? 0) | MessageFlags.Loading } : messageFields(data);
    const msg = world.buildMessage(channel, world.botUser, { ...fields, type: 20, webhook_id: world.applicationId, application_id: world.applicationId });
    msg.interaction_metadata = { id: rec.id, type: rec.type, user: { id: rec.userId } };
    if (!((fields.flags as number) & MessageFlags.Ephemeral)) world.storeMessage(msg);
    return msg;
  };

  const webhookRec = (ctx: RouteContext): InteractionRecord => {
    if (ctx.params.webhook_id !== world.applicationId) throw Errors.unknownWebhook();
    return world.interactionByToken(ctx.params.token);
  };

  const messageFor = (rec: InteractionRecord, messageId: string): MessagePayload => {
    if (messageId === '@original') {
      // After a component's DEFERRED_UPDATE_MESSAGE, the original is the message the component is on.
      if (!rec.original && rec.sourceMessageId && rec.callbackType === InteractionResponseType.DeferredMessageUpdate) return world.findMessage(rec.channelId, rec.sourceMessageId);
      if (!rec.original) throw Errors.unknownMessage();
      return rec.original;
    }
    const f = followups.get(messageId);
    if (!f || f.rec !== rec) throw Errors.unknownMessage();
    return f.msg;
  };

  return [
    {
      method: 'POST',
      template: '/interactions/:interaction_id/:token/callback',
      auth: false,
      handler: (ctx) => {
        const rec = world.interactions.get(ctx.params.interaction_id);
        if (!rec || rec.token !== ctx.params.token) throw Errors.unknownInteraction();
        if (rec.acknowledged) throw Errors.alreadyAcknowledged();
        const b = body(ctx);
        const type = b.type as number;
        const data = (b.data as Record<string, unknown> | undefined) ?? {};
        switch (type) {
          case InteractionResponseType.ChannelMessageWithSource:
            rec.original = respond(rec, data, false);
            break;
          case InteractionResponseType.DeferredChannelMessageWithSource:
            rec.original = respond(rec, data, true);
            break;
          case InteractionResponseType.DeferredMessageUpdate:
            break;
          case InteractionResponseType.UpdateMessage: {
            if (!rec.sourceMessageId) throw Errors.invalidForm('UPDATE_MESSAGE needs a component interaction');
            editMessage(world, world.findMessage(rec.channelId, rec.sourceMessageId), data);
            break;
          }
          case InteractionResponseType.Modal:
            break;
          default:
            throw Errors.invalidForm(`interaction response type ${String(type)} is not valid here`);
        }
        rec.acknowledged = true;
        rec.callbackType = type;
        world.log.record({ kind: 'interaction.callback', interactionId: rec.id, type, data: (b.data as Record<string, unknown> | undefined) ?? null });
        if (ctx.query.get('with_response') !== 'true') return { status: 204 };
        return {
          status: 200,
          body: {
            interaction: { id: rec.id, type: rec.type, activity_instance_id: null, response_message_id: rec.original?.id ?? null, response_message_loading: type === 5, response_message_ephemeral: Boolean(((rec.original?.flags as number | undefined) ?? 0) & MessageFlags.Ephemeral) },
            resource: rec.original ? { type, message: rec.original } : { type },
          },
        };
      },
    },
    {
      method: 'POST',
      template: '/webhooks/:webhook_id/:token',
      auth: false,
      handler: (ctx) => {
        const rec = webhookRec(ctx);
        if (!rec.acknowledged) throw Errors.unknownWebhook();
        const msg = respond(rec, body(ctx), false);
        followups.set(msg.id, { rec, msg });
        world.log.record({ kind: 'interaction.followup', interactionId: rec.id, message: msg });
        return { status: 200, body: msg };
      },
    },
    {
      method: 'GET',
      template: '/webhooks/:webhook_id/:token/messages/:message_id',
      auth: false,
      handler: (ctx) => ({ status: 200, body: messageFor(webhookRec(ctx), ctx.params.message_id) }),
    },
    {
      method: 'PATCH',
      template: '/webhooks/:webhook_id/:token/messages/:message_id',
      auth: false,
      handler: (ctx) => {
        const rec = webhookRec(ctx);
        const msg = messageFor(rec, ctx.params.message_id);
        const b = body(ctx);
        msg.flags = ((msg.flags as number) & ~MessageFlags.Loading) | ((b.flags as number | undefined) ?? 0);
        const ephemeral = ((msg.flags as number) & MessageFlags.Ephemeral) !== 0;
        if (ephemeral) {
          for (const k of ['content', 'embeds', 'components'] as const) if (k in b) msg[k] = b[k];
          msg.edited_timestamp = new Date().toISOString();
        } else {
          editMessage(world, msg, b);
        }
        if (ctx.params.message_id === '@original') world.log.record({ kind: 'interaction.original-edited', interactionId: rec.id, message: msg });
        return { status: 200, body: msg };
      },
    },
    {
      method: 'DELETE',
      template: '/webhooks/:webhook_id/:token/messages/:message_id',
      auth: false,
      handler: (ctx) => {
        const rec = webhookRec(ctx);
        const msg = messageFor(rec, ctx.params.message_id);
        if (world.messages.get(msg.channel_id)?.includes(msg)) world.deleteMessage(msg.channel_id, msg.id, null);
        return { status: 204 };
      },
    },
  ];
}
