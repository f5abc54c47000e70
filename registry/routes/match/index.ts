/**
 * POST /v1/match: for clients that cannot hold a list. Answers from the in-memory index of
 * both lists (registry/matchIndex.ts). The answer names the matching entry only by a short
 * prefix, so the endpoint cannot be used to download the lists' hashes.
 *
 * A photo's hashes (grouped by `photo`) become one Matcher query: its PDQ and crop hash with
 * their dihedral variants, its blockhash. The first crop hash without a variant is the photo's
 * own; further ones are crops of it (shared/registry/wire.ts queryHashesToJson), matched as the
 * Matcher matches a query's crop views.
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

/** One hash kind with dihedral variants: the original and the variants sent, by DIHEDRAL_NAMES index. */
interface Variants {
  original?: Uint8Array;
  quality?: number;
  variants: (Uint8Array | undefined)[];
}

/** What a request says about one photo. */
interface PhotoQuery {
  pdq: Variants;
  crop: Variants;
  /** Further crop hashes without a variant: crops of the query, tried as its views. */
  cropViews: { hash: Uint8Array; quality: number }[];
  blockhash?: Uint8Array;
}

function addPdqKind(e: PhotoQuery, kind: 'pdq' | 'pdq-crop', hash: Uint8Array, quality: number, dihedral: string | undefined): void {
  const v = kind === 'pdq' ? e.pdq : e.crop;
  if (dihedral !== undefined && dihedral !== 'original') {
    v.variants[DIHEDRAL_NAMES.indexOf(dihedral as (typeof DIHEDRAL_NAMES)[number])] = hash;
  } else if (kind === 'pdq-crop' && v.original) {
    e.cropViews.push({ hash, quality });
  } else {
    // The photo's own hash (for PDQ, the last one sent, as always).
    v.original = hash;
    v.quality = quality;
  }
}

/** The eight variants, those the client did not send falling back to the original (always searched). */
function allVariants(v: Variants): Uint8Array[] {
  const original = v.original!;
  return DIHEDRAL_NAMES.map((_, d) => (d === 0 ? original : (v.variants[d] ?? original)));
}

const NO_HASH = new Uint8Array(0);

/**
 * The Matcher's query for one photo. A photo may carry only some kinds (a PDQ alone from
 * ThreatExchange data): the Matcher skips a kind whose hash is an empty array or absent.
 */
function toImageHashes(e: PhotoQuery): ImageHashes {
  const query: ImageHashes = {
    pdq: e.pdq.original ?? NO_HASH,
    quality: e.pdq.quality ?? 0,
    pdqDihedral: e.pdq.original ? allVariants(e.pdq) : [],
    blockhash: e.blockhash ?? NO_HASH,
    width: 0,
    height: 0,
  };
  if (e.crop.original) query.cropHash = { hashes: allVariants(e.crop), quality: e.crop.quality ?? 0 };
  if (e.cropViews.length) {
    query.views = e.cropViews.map(({ hash, quality }) => ({
      name: 'crop',
      hashes: { pdq: NO_HASH, quality: 0, pdqDihedral: [], blockhash: NO_HASH, cropHash: { hashes: [hash], quality }, width: 0, height: 0 },
    }));
  }
  return query;
}

export default async function matchRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: Static<typeof MatchBody> }>(
    '/v1/match',
    {
      schema: {
        tags: ['match'],
        summary:
          "Match photos' hashes (PDQ with quality and its dihedral variants, blockhash, the crop hash with its variants, further crop hashes as other views; group by `photo`) against the lists",
        body: MatchBody,
        response: { 200: MatchAnswer, 503: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (req) => {
      const index = app.matchIndex;
      if (!index) throw new HttpError(503, 'registry/unreachable', 'This instance has no match index.');
      const parsed = parseHashes(req.body.hashes, app.config.maxHashesPerRequest);
      const photos = new Map<number, PhotoQuery>();
      for (const h of parsed.all) {
        const p = h.photo ?? 0;
        let e = photos.get(p);
        if (!e) photos.set(p, (e = { pdq: { variants: [] }, crop: { variants: [] }, cropViews: [] }));
        if (h.kind === 'blockhash') e.blockhash = h.hash;
        else addPdqKind(e, h.kind, h.hash, h.quality ?? 0, h.dihedral);
      }
      const lists = req.body.lists ?? LIST_NAMES;
      const out = [];
      for (const [photo, e] of [...photos].sort((a, b) => a[0] - b[0])) {
        const query = toImageHashes(e);
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
