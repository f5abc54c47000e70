/**
 * The REST v10 routes the bot uses, with Discord's permission checks and error codes, so that a
 * bot that forgets a permission check here fails the way it would on Discord.
 */
import { PermissionFlagsBits } from 'discord.js';
import type { Route, RouteContext } from './http';
import { DiscordHttpError, Errors } from './http';
import { channelPayload, computePermissions, guildPayload, highestRolePosition, memberPayload, rolePayload, userPayload } from './model';
import type { World } from './world';
import { assertString } from './world';
import { interactionRoutes } from './interactions';
import { editMessage, messageFields } from './messages';

export function restRoutes(world: World, gatewayUrl: () => string): Route[] {
  const P = PermissionFlagsBits;
  const r = (method: string, template: string, handler: Route['handler'], auth = true): Route => ({ method, template, handler, auth });
  const body = (ctx: RouteContext): Record<string, unknown> => (ctx.body ?? {}) as Record<string, unknown>;
  const reason = (ctx: RouteContext): string | null => {
    const h = ctx.headers['x-audit-log-reason'];
    return typeof h === 'string' ? decodeURIComponent(h) : null;
  };
  const commandRoutes = (guildScoped: boolean): Route[] => {
    const base = guildScoped ? '/applications/:application_id/guilds/:guild_id/commands' : '/applications/:application_id/commands';
    return [
      r('PUT', base, (ctx) => {
        const guildId = guildScoped ? ctx.params.guild_id : null;
        if (guildId) world.guildOf(guildId);
        if (!Array.isArray(ctx.body)) throw Errors.invalidForm('body must be an array of commands');
        for (const [id, c] of world.commands) if (c.guildId === guildId) world.commands.delete(id);
        const out = (ctx.body as Record<string, unknown>[]).map((c) => {
          const name = assertString(c.name, 'name');
          const type = (c.type as number | undefined) ?? 1;
          if (type === 1 && !/^[-_\p{L}\p{N}]{1,32}$/u.test(name)) throw Errors.invalidForm(`invalid command name ${name}`);
          const id = world.ids.next();
          const rec = { id, name, type, guildId, body: { ...c, name, id, application_id: world.applicationId, guild_id: guildId ?? undefined, version: id, type } };
          world.commands.set(id, rec);
          return rec.body;
        });
        world.log.record({ kind: 'commands.registered', guildId, names: out.map((c) => c.name) });
        return { status: 200, body: out };
      }),
      r('GET', base, (ctx) => {
        const guildId = guildScoped ? ctx.params.guild_id : null;
        return { status: 200, body: [...world.commands.values()].filter((c) => c.guildId === guildId).map((c) => c.body) };
      }),
    ];
  };

  return [
    r('GET', '/gateway', () => ({ status: 200, body: { url: gatewayUrl() } })),
    r('GET', '/gateway/bot', () => ({
      status: 200,
      body: { url: gatewayUrl(), shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 16 } },
    })),
    r('GET', '/users/@me', () => ({ status: 200, body: userPayload(world.botUser) })),
    r('GET', '/applications/@me', () => ({
      status: 200,
      body: { id: world.applicationId, name: world.botUser.username, icon: null, description: '', bot_public: true, bot_require_code_grant: false, flags: 0, verify_key: '00', team: null, owner: userPayload(world.botUser) },
    })),
    ...commandRoutes(false),
    ...commandRoutes(true),
    r('GET', '/guilds/:guild_id', (ctx) => ({ status: 200, body: guildPayload(world.guildOf(ctx.params.guild_id), world.users, false) })),
    r('GET', '/guilds/:guild_id/channels', (ctx) => ({ status: 200, body: [...world.guildOf(ctx.params.guild_id).channels.values()].map((c) => channelPayload(c)) })),
    r('GET', '/guilds/:guild_id/roles', (ctx) => ({ status: 200, body: [...world.guildOf(ctx.params.guild_id).roles.values()].map(rolePayload) })),
    r('GET', '/guilds/:guild_id/members/:user_id', (ctx) => {
      const g = world.guildOf(ctx.params.guild_id);
      const m = g.members.get(ctx.params.user_id);
      if (!m) throw Errors.unknownMember();
      return { status: 200, body: memberPayload(m, world.users.get(m.userId)) };
    }),
    r('PATCH', '/guilds/:guild_id/members/:user_id', (ctx) => {
      const g = world.guildOf(ctx.params.guild_id);
      const m = g.members.get(ctx.params.user_id);
      if (!m) throw Errors.unknownMember();
      const b = body(ctx);
      if ('communication_disabled_until' in b) {
        const perms = computePermissions(g, world.botUser.id);
        const targetAdmin = (computePermissions(g, m.userId) & P.Administrator) !== 0n;
        if (!(perms & P.ModerateMembers) || g.ownerId === m.userId || targetAdmin || highestRolePosition(g, world.botUser.id) <= highestRolePosition(g, m.userId)) {
          throw Errors.missingPermissions();
        }
        const until = b.communication_disabled_until as string | null;
        if (until !== null && (Number.isNaN(Date.parse(until)) || Date.parse(until) - Date.now() > 28 * 86_400_000)) {
          throw Errors.invalidForm('communication_disabled_until must be a date within 28 days');
        }
        m.communicationDisabledUntil = until;
        world.log.record({ kind: 'member.timeout', guildId: g.id, userId: m.userId, until, reason: reason(ctx) });
      }
      const payload = { ...memberPayload(m, world.users.get(m.userId)), guild_id: g.id };
      world.gateway.dispatch('GUILD_MEMBER_UPDATE', payload, { guildId: g.id, intent: 1 << 1 });
      return { status: 200, body: payload };
    }),
    r('GET', '/channels/:channel_id', (ctx) => ({ status: 200, body: world.channelJson(world.channelOf(ctx.params.channel_id)) })),
    r('GET', '/channels/:channel_id/messages', (ctx) => {
      const channel = world.channelOf(ctx.params.channel_id);
      world.requireBotPermission(channel, P.ReadMessageHistory);
      const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? 50)));
      const before = ctx.query.get('before');
      let list = [...(world.messages.get(channel.id) ?? [])].reverse();
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      return { status: 200, body: list.slice(0, limit) };
    }),
    r('GET', '/channels/:channel_id/messages/:message_id', (ctx) => {
      const channel = world.channelOf(ctx.params.channel_id);
      world.requireBotPermission(channel, P.ReadMessageHistory);
      return { status: 200, body: world.findMessage(channel.id, ctx.params.message_id) };
    }),
    r('POST', '/channels/:channel_id/messages', (ctx) => {
      const channel = world.channelOf(ctx.params.channel_id);
      const b = body(ctx);
      const fields = messageFields(b);
      if (channel.recipientId) {
        const user = world.users.get(channel.recipientId)!;
        if (user.dmsClosed) throw Errors.cannotDm();
      } else {
        const needs = [P.SendMessages];
        if ((fields.embeds as unknown[]).length > 0) needs.push(P.EmbedLinks);
        world.requireBotPermission(channel, ...needs);
      }
      const msg = world.buildMessage(channel, world.botUser, fields);
      world.storeMessage(msg);
      if (channel.recipientId) world.log.record({ kind: 'dm', userId: channel.recipientId, message: msg });
      else world.log.record({ kind: 'message.created', channelId: channel.id, message: msg, byBot: true });
      return { status: 200, body: msg };
    }),
    r('PATCH', '/channels/:channel_id/messages/:message_id', (ctx) => {
      const channel = world.channelOf(ctx.params.channel_id);
      const msg = world.findMessage(channel.id, ctx.params.message_id);
      if ((msg.author as { id: string }).id !== world.botUser.id) throw new DiscordHttpError(403, 50005, 'Cannot edit a message authored by another user');
      editMessage(world, msg, body(ctx));
      return { status: 200, body: msg };
    }),
    r('DELETE', '/channels/:channel_id/messages/:message_id', (ctx) => {
      const channel = world.channelOf(ctx.params.channel_id);
      const msg = world.findMessage(channel.id, ctx.params.message_id);
      if ((msg.author as { id: string }).id !== world.botUser.id) world.requireBotPermission(channel, P.ManageMessages);
      world.deleteMessage(channel.id, msg.id, reason(ctx));
      return { status: 204 };
    }),
    r('POST', '/users/@me/channels', (ctx) => {
      const c = world.openDm(assertString(body(ctx).recipient_id, 'recipient_id'));
      return { status: 200, body: world.channelJson(c) };
    }),
    ...interactionRoutes(world),
  ];
}
