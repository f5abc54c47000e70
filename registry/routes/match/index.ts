/**
 * POST /v1/match: for clients that cannot hold a list. Answers from the in-memory index of
 * both lists (registry/matchIndex.ts). The answer names the matching entry only by a short
 * prefix, so the endpoint cannot be used to download the lists' hashes.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { DIHEDRAL_NAMES } from '../../../shared/hash/types';
import type { ImageHashes } from '../../../shared/hash/types';
import { bytesToHex } from '../../../shared/hex';
import { LIST_NAMES } from '../../../shared/match/types';
import { HttpError } from '../../errors';
import { parseHashes } from '../../requests';
import { HashListSchema, ListNameSchema, errorResponses } from '../schemas';

const MatchBody = Type.Object({ hashes: HashListSchema, lists: Type.Optional(Type.Array(ListNameSchema, { minItems: 1, maxItems: 2 })) }, { additionalProperties: false });
const MatchAnswer = Type.Object({
  photos: Type.Array(
    Type.Object({
      photo: Type.Integer(),
      matches: Type.Array(
        Type.Object({
          list: ListNameSchema,
          kind: Type.String(),
          distance: Type.Integer(),
          dihedral: Type.Optional(Type.Integer()),
          entry: Type.String({ description: 'first 8 hex digits of the listed hash' }),
        }),
      ),
    }),
  ),
});

export default async function matchRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: Static<typeof MatchBody> }>(
    '/v1/match',
    {
      schema: {
        tags: ['match'],
        summary: "Match photos' hashes (PDQ with quality, its dihedral variants, blockhash; group by `photo`) against the lists",
        body: MatchBody,
        response: { 200: MatchAnswer, 503: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (req) => {
      const index = app.matchIndex;
      if (!index) throw new HttpError(503, 'registry/unreachable', 'This instance has no match index.');
      const parsed = parseHashes(req.body.hashes, app.config.maxHashesPerRequest);
      const photos = new Map<number, { pdq?: Uint8Array; quality?: number; dihedral: (Uint8Array | undefined)[]; blockhash?: Uint8Array }>();
      for (const h of parsed.all) {
        const p = h.photo ?? 0;
        let e = photos.get(p);
        if (!e) photos.set(p, (e = { dihedral: [] }));
        if (h.kind === 'blockhash') e.blockhash = h.hash;
        else if (h.dihedral === undefined || h.dihedral === 'original') {
          e.pdq = h.hash;
          e.quality = h.quality;
        } else e.dihedral[DIHEDRAL_NAMES.indexOf(h.dihedral as (typeof DIHEDRAL_NAMES)[number])] = h.hash;
      }
      const lists = req.body.lists ?? LIST_NAMES;
      const out = [];
      for (const [photo, e] of [...photos].sort((a, b) => a[0] - b[0])) {
        // A photo may carry only some kinds (a PDQ alone from ThreatExchange data); the Matcher
        // skips a kind whose hash is an empty array.
        const pdq = e.pdq ?? new Uint8Array(0);
        // Variants the client did not send fall back to the original (it is always searched).
        const pdqDihedral = e.pdq ? DIHEDRAL_NAMES.map((_, d) => (d === 0 ? pdq : (e.dihedral[d] ?? pdq))) : [];
        const query: ImageHashes = { pdq, quality: e.quality ?? 0, pdqDihedral, blockhash: e.blockhash ?? new Uint8Array(0), width: 0, height: 0 };
        const hits = await index.match(query, lists);
        out.push({
          photo,
          matches: hits.map((m) => ({
            list: m.entry.list,
            kind: m.kind,
            distance: m.distance,
            ...(m.dihedral !== undefined ? { dihedral: m.dihedral } : {}),
            entry: bytesToHex(m.entry.hash).slice(0, 8),
          })),
        });
      }
      app.metrics.inc('veil_match_requests_total', 'Match requests', { matched: String(out.some((p) => p.matches.length > 0)) });
      return { photos: out };
    },
  );
}
