/**
 * Reporters (bots, trusted services) with API keys: report hashes they saw, confirm or
 * dispute listed ones. Enough independent positive verdicts move a hash to `confirmed`.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { parseHashes, requireKey } from '../../requests';
import { BearerHeaders, HashListSchema, errorResponses } from '../schemas';

const ReportBody = Type.Object(
  {
    verdict: Type.Union([Type.Literal('report'), Type.Literal('confirm'), Type.Literal('dispute')]),
    hashes: HashListSchema,
  },
  { additionalProperties: false },
);
const ReportAnswer = Type.Object({
  applied: Type.Integer({ description: 'hashes the verdict was recorded for' }),
  unknown: Type.Integer({ description: 'disputed hashes the registry does not hold' }),
});

export default async function reportRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: Static<typeof ReportBody>; Headers: Static<typeof BearerHeaders> }>(
    '/v1/reports',
    {
      schema: {
        tags: ['reporters'],
        summary: 'Report, confirm or dispute hashes (reporter API key)',
        headers: BearerHeaders,
        body: ReportBody,
        response: { 200: ReportAnswer, ...errorResponses },
      },
    },
    async (req) => {
      const key = await requireKey(app.store, req, 'reporter');
      const parsed = parseHashes(req.body.hashes, app.config.maxHashesPerRequest);
      const result = await app.store.report(key.id, req.body.verdict, parsed.listed, Date.now());
      app.metrics.inc('veil_reports_total', 'Reporter verdicts recorded', { verdict: req.body.verdict }, result.applied);
      app.matchIndex?.touch();
      req.log.info({ key: key.id, verdict: req.body.verdict, applied: result.applied }, 'report recorded');
      return result;
    },
  );
}
