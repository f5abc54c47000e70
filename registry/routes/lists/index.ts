/**
 * List distribution: signed snapshot and delta files (docs/list-format.md) with strong ETags,
 * If-None-Match, and br/gzip compression; list info and the key announcements for rotation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { bytesToHex } from '../../../shared/hex';
import type { ListName } from '../../../shared/match/types';
import { LIST_NAMES } from '../../../shared/match/types';
import { keyIdOf } from '../../../shared/registry/listFormat';
import { LIST_CONTENT_TYPE } from '../../../shared/registry/wire';
import type { BuiltList } from '../../lists';
import { pickEncoding } from '../../lists';
import { ListNameSchema, errorResponses } from '../schemas';

const ListParams = Type.Object({ list: ListNameSchema });
const DeltaQuery = Type.Object({ since: Type.String({ pattern: '^[0-9]{1,15}$', description: 'the sequence number the client holds' }) });
const ListInfo = Type.Object({ list: ListNameSchema, seq: Type.Integer(), count: Type.Integer(), publicKey: Type.String(), keyId: Type.String() });
const KeysAnswer = Type.Object({ publicKey: Type.String(), keyId: Type.String(), announcements: Type.Array(Type.String({ description: 'base64 key-announcement file' })) });

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

async function sendList(req: FastifyRequest, reply: FastifyReply, built: BuiltList): Promise<FastifyReply> {
  void reply.header('etag', built.etag).header('vary', 'accept-encoding').header('cache-control', 'no-cache');
  if (etagMatches(req.headers['if-none-match'], built.etag)) return reply.status(304).send();
  const encoding = pickEncoding(req.headers['accept-encoding']);
  const body = await built.body(encoding);
  if (encoding !== 'identity') void reply.header('content-encoding', encoding);
  return reply.type(LIST_CONTENT_TYPE).send(body);
}

export default async function listRoutes(app: FastifyInstance): Promise<void> {
  const info = async (list: ListName) => {
    const { seq, count } = await app.store.listInfo(list);
    const pk = app.lists.publicKey;
    return { list, seq, count, publicKey: bytesToHex(pk), keyId: bytesToHex(keyIdOf(pk)) };
  };

  app.get('/v1/lists', { schema: { tags: ['lists'], summary: 'The lists and their sequence numbers', response: { 200: Type.Object({ lists: Type.Array(ListInfo) }) } } }, async () => ({
    lists: await Promise.all(LIST_NAMES.map(info)),
  }));

  app.get<{ Params: Static<typeof ListParams> }>(
    '/v1/lists/:list',
    { schema: { tags: ['lists'], summary: "One list's sequence number and size", params: ListParams, response: { 200: ListInfo, ...errorResponses } } },
    async (req) => info(req.params.list),
  );

  app.get<{ Params: Static<typeof ListParams> }>(
    '/v1/lists/:list/snapshot',
    {
      schema: {
        tags: ['lists'],
        summary: 'The whole list as a signed snapshot file (application/vnd.veil.list)',
        params: ListParams,
        produces: [LIST_CONTENT_TYPE],
        response: { ...errorResponses },
      },
    },
    async (req, reply) => sendList(req, reply, await app.lists.snapshot(req.params.list)),
  );

  app.get<{ Params: Static<typeof ListParams>; Querystring: Static<typeof DeltaQuery> }>(
    '/v1/lists/:list/delta',
    {
      schema: {
        tags: ['lists'],
        summary: 'Changes after `since` as a signed delta file (or a snapshot when that is smaller)',
        params: ListParams,
        querystring: DeltaQuery,
        produces: [LIST_CONTENT_TYPE],
        response: { ...errorResponses },
      },
    },
    async (req, reply) => sendList(req, reply, await app.lists.delta(req.params.list, Number(req.query.since))),
  );

  app.get('/v1/keys', { schema: { tags: ['lists'], summary: 'The signing key and the announcements that vouch for it', response: { 200: KeysAnswer } } }, async () => ({
    publicKey: bytesToHex(app.keys.current.publicKey),
    keyId: bytesToHex(keyIdOf(app.keys.current.publicKey)),
    announcements: app.keys.announcements.map((a) => Buffer.from(a).toString('base64')),
  }));
}
