/** Liveness (with a database round trip) and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { LIST_NAMES } from '../../../shared/match/types';

const Health = Type.Object({ status: Type.String(), database: Type.String() });

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness and database reachability', response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    try {
      await app.store.db.all('SELECT 1 AS one');
      return { status: 'ok', database: app.store.db.dialect };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: app.store.db.dialect });
    }
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics (text format)', produces: ['text/plain'] } }, async (_req, reply) => {
    for (const list of LIST_NAMES) {
      const { seq, count } = await app.store.listInfo(list);
      app.metrics.set('veil_list_entries', 'Entries in each list', { list }, count);
      app.metrics.set('veil_list_seq', 'Sequence number of each list', { list }, seq);
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(app.metrics.render());
  });
}
