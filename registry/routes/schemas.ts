/** TypeBox schemas shared by several route folders (field names follow shared/registry/wire.ts). */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { DIHEDRAL_NAMES, HASH_KINDS } from '../../shared/hash/types';
import { LIST_NAMES } from '../../shared/match/types';

export const HashJsonSchema = Type.Object(
  {
    kind: Type.Union(HASH_KINDS.map((k) => Type.Literal(k)), { description: 'hash kind (docs/list-format.md, kind table)' }),
    hash: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: '256-bit hash as 64 hex digits' }),
    quality: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'PDQ quality (required for pdq and pdq-crop)' })),
    photo: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: "index of the photo this hash belongs to" })),
    dihedral: Type.Optional(Type.Union(DIHEDRAL_NAMES.map((d) => Type.Literal(d)), { description: 'dihedral variant of a pdq or pdq-crop hash' })),
  },
  { additionalProperties: false },
);
export type HashJsonBody = Static<typeof HashJsonSchema>;

/** Hard ceiling for schemas; the configured per-request limit is checked in the handler. */
export const MAX_ITEMS_CEILING = 100_000;

export const HashListSchema = Type.Array(HashJsonSchema, { minItems: 1, maxItems: MAX_ITEMS_CEILING });

export const ListNameSchema = Type.Union(LIST_NAMES.map((l) => Type.Literal(l)));

export const BearerHeaders = Type.Object({ authorization: Type.Optional(Type.String({ description: 'Bearer <secret or API key>' })) });

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  413: { $ref: 'Error#' },
  415: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
} as const;
