import { describe, expect, it } from 'vitest';
import { createApiKey, parseApiKey } from '../../registry/secrets';
import { photoHashes, testApp } from './support';

describe('logs', () => {
  it('are structured JSON lines and never contain a secret, an API key or a full hash', async () => {
    const lines: string[] = [];
    const { app, close } = await testApp({ logger: { level: 'debug', stream: { write: (l: string) => lines.push(l) } } });
    try {
      const hashes = [...photoHashes(1), ...photoHashes(2)];
      const sub = (await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes } })).json();
      const auth = { authorization: `Bearer ${sub.secret}` };
      await app.inject({ method: 'GET', url: `/v1/submissions/${sub.caseId}`, headers: auth });
      await app.inject({ method: 'GET', url: `/v1/submissions/${sub.caseId}`, headers: { authorization: 'Bearer a-wrong-secret' } });
      const reporter = await createApiKey(app.store, 'reporter', 'bot');
      await app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${reporter.key}` }, payload: { verdict: 'report', hashes: photoHashes(3) } });
      await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: [{ ...photoHashes(4)[0], quality: 5 }] } });
      await app.inject({ method: 'DELETE', url: `/v1/submissions/${sub.caseId}`, headers: auth });

      expect(lines.length).toBeGreaterThan(10);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      const all = lines.join('\n');
      expect(all).toContain(sub.caseId);
      expect(all).toContain('submission stored');
      // The key's secret part whole (base64url may itself hold '_', so no split on it).
      for (const secret of [sub.secret, reporter.key, parseApiKey(reporter.key)!.secret, 'a-wrong-secret']) expect(all).not.toContain(secret);
      for (const h of [...hashes, ...photoHashes(3), ...photoHashes(4)]) expect(all).not.toContain(h.hash);
    } finally {
      await close();
    }
  });
});
