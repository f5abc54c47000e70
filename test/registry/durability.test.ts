/**
 * The real server process, killed with SIGKILL in the middle of a load of concurrent
 * submissions: after a restart on the same data folder, every submission that was answered 201
 * is there, active, and on the reported list.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ListFile } from '../../shared/registry/listFormat';
import { hexToBytes } from '../../shared/hex';
import { hex, photoHashes, tempDir } from './support';
import { spawnRegistry, type RegistryProcess } from '../support/registryProcess';

const dir = tempDir('veil-durability-');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `veil registry serve` on the test's data folder, to be killed when the file ends. */
async function serve(): Promise<RegistryProcess> {
  const started = spawnRegistry(dir);
  started.then((p) => children.push(p.child), () => undefined);
  return started;
}

/** Resolves when the child has exited (at once if it already has: 'exit' is not replayed). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

describe('durability', () => {
  it('keeps every acknowledged submission through kill -9 during concurrent load', async () => {
    const first = await serve();
    const acked: { caseId: string; secret: string; seed: number }[] = [];
    let seed = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const s = ++seed;
        try {
          const r = await fetch(`${first.url}/v1/submissions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ hashes: photoHashes(10_000 + s) }),
          });
          if (r.status === 201) {
            const body = (await r.json()) as { caseId: string; secret: string };
            acked.push({ ...body, seed: s });
          }
        } catch {
          // Connection reset by the kill: not acknowledged, so nothing is promised.
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    while (acked.length < 30) await new Promise((r) => setTimeout(r, 20));
    const firstExit = exited(first.child);
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    await firstExit;

    const second = await serve();
    try {
      expect(second.publicKey).toBe(first.publicKey);
      const snapshot = await fetch(`${second.url}/v1/lists/reported/snapshot`);
      const file = await ListFile.fromBytes(new Uint8Array(await snapshot.arrayBuffer()), [hexToBytes(second.publicKey)]);
      const listed = new Set<string>();
      for (let i = 0; i < file.count; i++) listed.add(hex(file.hashAt(i)));
      for (const a of acked) {
        const r = await fetch(`${second.url}/v1/submissions/${a.caseId}`, { headers: { authorization: `Bearer ${a.secret}` } });
        expect(r.status).toBe(200);
        expect(((await r.json()) as { status: string }).status).toBe('active');
        for (const h of photoHashes(10_000 + a.seed)) expect(listed.has(h.hash)).toBe(true);
      }
      expect(acked.length).toBeGreaterThanOrEqual(30);
    } finally {
      const secondExit = exited(second.child);
      second.child.kill('SIGTERM');
      await secondExit;
    }
  }, 120_000);
});
