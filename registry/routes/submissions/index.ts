/**
 * Victims' submissions: hashes only, no account. The answer carries a case id and a secret
 * shown once; GET and DELETE with `Authorization: Bearer <secret>` read and withdraw.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../errors';
import { bearerToken, parseHashes, unauthorized } from '../../requests';
import { hashSecret, newCaseId, newSecret, sourceTag, verifySecret } from '../../secrets';
import type { CaseStatus } from '../../../shared/registry/wire';
import type { CaseRow } from '../../store/store';
import { BearerHeaders, HashListSchema, ListNameSchema, errorResponses } from '../schemas';

const CaseStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('quarantined'), Type.Literal('withdrawn'), Type.Literal('rejected')]);
const SubmissionBody = Type.Object({ hashes: HashListSchema }, { additionalProperties: false });
const CaseParams = Type.Object({ caseId: Type.String({ minLength: 1, maxLength: 100 }) });

const Created = Type.Object({
  caseId: Type.String(),
  secret: Type.String({ description: 'shown once; keep it to read or withdraw the case' }),
  status: CaseStatusSchema,
  listed: Type.Integer({ description: 'hashes that will be listed (dihedral variants are not)' }),
});
const PhotoStatusSchema = Type.Object({
  photo: Type.Integer({ minimum: 0, description: "the photo's index in the submission (0-based)" }),
  hashes: Type.Integer({ description: 'distinct listable hashes of the photo' }),
  lists: Type.Array(ListNameSchema, { description: "the lists the photo's hashes are on now through this case" }),
  state: Type.Union([Type.Literal('listed'), Type.Literal('quarantined'), Type.Literal('withdrawn'), Type.Literal('rejected')]),
});
const CaseStatusBody = Type.Object({
  caseId: Type.String(),
  status: CaseStatusSchema,
  createdAt: Type.String(),
  hashes: Type.Integer(),
  lists: Type.Array(ListNameSchema),
  photos: Type.Array(PhotoStatusSchema, { description: 'each photo of the case; empty for cases stored before photos were recorded' }),
});

export default async function submissionRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: Static<typeof SubmissionBody> }>(
    '/v1/submissions',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Submit the hashes of one or more photos (never the photos)',
        body: SubmissionBody,
        response: { 201: Created, ...errorResponses },
      },
    },
    async (req, reply) => {
      const parsed = parseHashes(req.body.hashes, app.config.maxHashesPerRequest);
      const hashes = parsed.listed.map((h, j) => ({ ...h, photo: req.body.hashes[parsed.listedIndex[j]].photo ?? 0 }));
      const secret = newSecret();
      const caseId = newCaseId();
      const secretHash = await hashSecret(secret);
      const status = await app.store.createCase({
        caseId,
        secretHash,
        source: sourceTag(req.ip, app.sourceSalt),
        hashes,
        now: Date.now(),
        flood: { windowMs: app.config.floodWindowMs, maxCases: app.config.floodMaxCases, maxHashes: app.config.floodMaxHashes },
      });
      app.metrics.inc('veil_submissions_total', 'Submissions accepted, by status', { status });
      app.matchIndex?.touch();
      req.log.info({ caseId, status, hashes: parsed.listed.length }, 'submission stored');
      return reply.status(201).send({ caseId, secret, status, listed: parsed.listed.length });
    },
  );

  /** Loads the case when the bearer secret is right; one 401 for every failure. */
  async function authorisedCase(caseId: string, token: string | null) {
    const row = await app.store.getCase(caseId);
    const ok = await verifySecret(token ?? '', row ? row.secretHash : null);
    if (!row || !token || !ok) throw unauthorized();
    return row;
  }

  async function caseBody(row: CaseRow, status: CaseStatus) {
    return {
      caseId: row.id,
      status,
      createdAt: new Date(row.createdAt).toISOString(),
      hashes: row.listed,
      lists: await app.store.caseLists(row.id),
      photos: await app.store.casePhotos(row.id, status),
    };
  }

  app.get<{ Params: Static<typeof CaseParams>; Headers: Static<typeof BearerHeaders> }>(
    '/v1/submissions/:caseId',
    {
      schema: {
        tags: ['submissions'],
        summary: "Read a case's status and each photo's (Authorization: Bearer <secret>)",
        params: CaseParams,
        headers: BearerHeaders,
        response: { 200: CaseStatusBody, ...errorResponses },
      },
    },
    async (req) => {
      const row = await authorisedCase(req.params.caseId, bearerToken(req));
      return caseBody(row, row.status);
    },
  );

  app.delete<{ Params: Static<typeof CaseParams>; Headers: Static<typeof BearerHeaders> }>(
    '/v1/submissions/:caseId',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Withdraw a case: its hashes leave every list at the next update',
        params: CaseParams,
        headers: BearerHeaders,
        response: { 200: CaseStatusBody, ...errorResponses },
      },
    },
    async (req) => {
      const row = await authorisedCase(req.params.caseId, bearerToken(req));
      if (row.status === 'rejected') throw new HttpError(409, 'registry/conflict', 'This case was rejected by a reviewer; there is nothing to withdraw.');
      await app.store.setCaseStatus(row.id, 'withdrawn', Date.now());
      app.matchIndex?.touch();
      req.log.info({ caseId: row.id }, 'case withdrawn');
      return caseBody(row, 'withdrawn');
    },
  );
}
