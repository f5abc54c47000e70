/**
 * Reviewers (API keys with role reviewer) work the queue: hashes listed as `reported` and not
 * yet confirmed, and cases held by flood quarantine. Reviewers see hashes, never images.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { bytesToHex } from '../../../shared/hex';
import { kindFromId } from '../../../shared/registry/listFormat';
import { HttpError } from '../../errors';
import { requireKey } from '../../requests';
import { BearerHeaders, errorResponses } from '../schemas';

const QueueQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) });
const QueueAnswer = Type.Object({
  hashes: Type.Array(
    Type.Object({
      id: Type.Integer(),
      kind: Type.String(),
      hash: Type.String(),
      quality: Type.Union([Type.Integer(), Type.Null()]),
      createdAt: Type.String(),
      cases: Type.Integer(),
      reports: Type.Integer(),
      confirms: Type.Integer(),
      disputes: Type.Integer(),
    }),
  ),
  quarantined: Type.Array(Type.Object({ caseId: Type.String(), hashes: Type.Integer(), createdAt: Type.String() })),
});
const HashDecisionParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const HashDecision = Type.Object({ decision: Type.Union([Type.Literal('confirm'), Type.Literal('reject'), Type.Literal('reset')]) }, { additionalProperties: false });
const CaseDecisionParams = Type.Object({ caseId: Type.String({ minLength: 1, maxLength: 100 }) });
const CaseDecision = Type.Object({ decision: Type.Union([Type.Literal('release'), Type.Literal('reject')]) }, { additionalProperties: false });
const Done = Type.Object({ ok: Type.Boolean() });

export default async function reviewRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: Static<typeof QueueQuery>; Headers: Static<typeof BearerHeaders> }>(
    '/v1/review/queue',
    {
      schema: { tags: ['reviewers'], summary: 'The review queue (reviewer API key)', headers: BearerHeaders, querystring: QueueQuery, response: { 200: QueueAnswer, ...errorResponses } },
    },
    async (req) => {
      await requireKey(app.store, req, 'reviewer');
      const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 50)));
      const q = await app.store.reviewQueue(limit);
      return {
        hashes: q.hashes.map((h) => ({
          id: h.id,
          kind: kindFromId(h.kind) ?? `kind-${h.kind}`,
          hash: bytesToHex(h.hash),
          quality: h.quality,
          createdAt: new Date(h.createdAt).toISOString(),
          cases: h.cases,
          reports: h.report,
          confirms: h.confirm,
          disputes: h.dispute,
        })),
        quarantined: q.cases.map((c) => ({ caseId: c.caseId, hashes: c.listed, createdAt: new Date(c.createdAt).toISOString() })),
      };
    },
  );

  app.post<{ Params: Static<typeof HashDecisionParams>; Body: Static<typeof HashDecision>; Headers: Static<typeof BearerHeaders> }>(
    '/v1/review/hashes/:id',
    {
      schema: {
        tags: ['reviewers'],
        summary: 'Confirm, reject or reset one hash',
        headers: BearerHeaders,
        params: HashDecisionParams,
        body: HashDecision,
        response: { 200: Done, ...errorResponses },
      },
    },
    async (req) => {
      const key = await requireKey(app.store, req, 'reviewer');
      const decision = ({ confirm: 'confirmed', reject: 'rejected', reset: 'pending' } as const)[req.body.decision];
      if (!(await app.store.reviewHash(Number(req.params.id), decision, Date.now()))) throw new HttpError(404, 'registry/not-found');
      app.matchIndex?.touch();
      req.log.info({ key: key.id, hashId: Number(req.params.id), decision }, 'review decision');
      return { ok: true };
    },
  );

  app.post<{ Params: Static<typeof CaseDecisionParams>; Body: Static<typeof CaseDecision>; Headers: Static<typeof BearerHeaders> }>(
    '/v1/review/cases/:caseId',
    {
      schema: {
        tags: ['reviewers'],
        summary: 'Release or reject a quarantined case',
        headers: BearerHeaders,
        params: CaseDecisionParams,
        body: CaseDecision,
        response: { 200: Done, ...errorResponses },
      },
    },
    async (req) => {
      const key = await requireKey(app.store, req, 'reviewer');
      const row = await app.store.getCase(req.params.caseId);
      if (!row) throw new HttpError(404, 'registry/not-found');
      if (row.status !== 'quarantined') throw new HttpError(409, 'registry/conflict', `The case is ${row.status}, not quarantined.`);
      await app.store.setCaseStatus(row.id, req.body.decision === 'release' ? 'active' : 'rejected', Date.now());
      app.matchIndex?.touch();
      req.log.info({ key: key.id, caseId: row.id, decision: req.body.decision }, 'case decision');
      return { ok: true };
    },
  );
}
