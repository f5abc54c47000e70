import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../node/cli/main';
import type { CliIo } from '../../node/cli/io';
import { hashImage } from '../../node/hashFile';
import { startRegistry } from '../../registry/server';
import type { StartedRegistry } from '../../registry/server';
import { ListFile, kindFromId } from '../../shared/registry/listFormat';
import { hexToBytes } from '../../shared/hex';
import { photoLike, rawSharp } from '../support/images';
import { hex, randomHash, tempDir } from './support';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: () => undefined, isTTY: false };
}

async function veil(...args: string[]) {
  const io = capture();
  const code = await main(args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const dir = tempDir('veil-cli-');
const photosDir = path.join(dir, 'photos');
let registry: StartedRegistry;

beforeAll(async () => {
  fs.mkdirSync(photosDir);
  for (let i = 0; i < 3; i++) {
    const jpeg = await rawSharp(photoLike(320, 240, 100 + i)).jpeg({ quality: 90 }).toBuffer();
    fs.writeFileSync(path.join(photosDir, `photo${i}.jpg`), jpeg);
  }
  registry = await startRegistry({ dataDir: path.join(dir, 'data'), port: 0, logger: false, rateLimit: 0, snapshotMaxAgeMs: 0 }, {});
});

afterAll(async () => {
  await registry.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('veil submit', () => {
  it('hashes photos locally, submits only hashes, prints the case id and secret; status and withdraw work', async () => {
    const r = await veil('submit', photosDir, '--registry', registry.url, '--json');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out);
    // Per photo: its PDQ, the PDQs of its three mirror images, its blockhash, its crop hashes
    // (no dihedral variants: the registry would not list them).
    const locals = await Promise.all([0, 1, 2].map((i) => hashImage(path.join(photosDir, `photo${i}.jpg`), { registration: true })));
    const perPhoto = locals.map((h) => 5 + new Set(h.crops!.map((c) => hex(c.hash))).size);
    expect(answer).toMatchObject({ status: 'active', listed: perPhoto[0] + perPhoto[1] + perPhoto[2] });
    expect(Math.min(...perPhoto)).toBeGreaterThan(5 + 10);
    expect(answer.files).toHaveLength(3);

    const snap = await registry.app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot' });
    const file = await ListFile.fromBytes(new Uint8Array(snap.rawPayload), [hexToBytes(registry.publicKey)]);
    const listed = new Set(Array.from({ length: file.count }, (_, i) => `${kindFromId(file.kindIdAt(i))}:${hex(file.hashAt(i))}`));
    const local = locals[1];
    expect(listed.has(`pdq:${hex(local.pdq)}`)).toBe(true);
    expect(listed.has(`blockhash:${hex(local.blockhash)}`)).toBe(true);
    for (const flip of local.pdqFlips!) expect(listed.has(`pdq:${hex(flip)}`)).toBe(true);
    for (const crop of local.crops!) expect(listed.has(`pdq-crop:${hex(crop.hash)}`)).toBe(true);

    const status = await veil('submit', '--status', answer.caseId, '--secret', answer.secret, '--registry', registry.url);
    expect(status.out).toContain('active');
    const withdrawn = await veil('submit', '--withdraw', answer.caseId, '--secret', answer.secret, '--registry', registry.url, '--json');
    expect(JSON.parse(withdrawn.out)).toMatchObject({ status: 'withdrawn', lists: [] });
  });

  it('says plainly when the registry refuses, and exits 1', async () => {
    const r = await veil('submit', '--status', 'case_nope', '--secret', 'wrong', '--registry', registry.url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/401/);
  });

  it('exits 2 without files', async () => {
    expect((await veil('submit', '--registry', registry.url)).code).toBe(2);
  });
});

describe('veil registry (operators)', () => {
  const data = () => ['--data', path.join(dir, 'data')];

  it('prints the public key the server signs with', async () => {
    const r = await veil('registry', 'public-key', ...data());
    expect(r.out).toBe(registry.publicKey);
    // Created on first start, readable by its owner only.
    expect(fs.statSync(path.join(dir, 'data', 'signing-key.json')).mode & 0o777).toBe(0o600);
  });

  it('creates, lists and revokes reporter keys; a created key works at once', async () => {
    const created = JSON.parse((await veil('registry', 'create-key', '--role', 'reporter', '--label', 'test bot', '--json', ...data())).out);
    expect(created.key).toMatch(/^vk_[0-9a-f]{12}_/);
    const report = await registry.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${created.key}` },
      payload: { verdict: 'report', hashes: [{ kind: 'pdq', hash: hex(randomHash(77)), quality: 80 }] },
    });
    expect(report.statusCode).toBe(200);
    const keys = (await veil('registry', 'keys', '--json', ...data())).out.split('\n').map((l) => JSON.parse(l));
    expect(keys.find((k: { id: string }) => k.id === created.id)).toMatchObject({ role: 'reporter', label: 'test bot', revokedAt: null });
    expect((await veil('registry', 'keys', ...data())).out).not.toContain(created.key);
    expect((await veil('registry', 'revoke-key', created.id, ...data())).code).toBe(0);
    const after = await registry.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${created.key}` }, payload: { verdict: 'report', hashes: [{ kind: 'pdq', hash: hex(randomHash(78)), quality: 80 }] } });
    expect(after.statusCode).toBe(401);
  });

  it('imports ThreatExchange/HMA PDQ CSV and exports it back', async () => {
    const csv = path.join(dir, 'in.csv');
    const good = [1, 2, 3].map((s) => `${hex(randomHash(900 + s))},${70 + s}`);
    fs.writeFileSync(csv, ['hash,quality', ...good, `${'00'.repeat(32)},90`, 'not-a-hash,50', `${hex(randomHash(999))},10`].join('\n') + '\n');
    const imp = await veil('registry', 'import', csv, '--list', 'confirmed', '--label', 'te', ...data());
    expect(imp.out).toBe('Imported 3 hashes into confirmed; skipped 3 unusable or malformed lines.');
    const out = path.join(dir, 'out.csv');
    expect((await veil('registry', 'export', '--list', 'confirmed', '--format', 'csv', '--out', out, ...data())).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n').sort()).toEqual([...good].sort());
    const stats = JSON.parse((await veil('registry', 'stats', '--json', ...data())).out);
    expect(stats.list_confirmed_entries).toBe(3);
  });

  it('exports a signed list file that verifies against the public key', async () => {
    const out = path.join(dir, 'reported.veil');
    await veil('registry', 'export', '--list', 'reported', '--format', 'veil', '--out', out, ...data());
    const f = await ListFile.fromBytes(new Uint8Array(fs.readFileSync(out)), [hexToBytes(registry.publicKey)], { list: 'reported' });
    expect(f.header.type).toBe('snapshot');
  });

  it('rotates the signing key; the new key is announced under the old one', async () => {
    const own = tempDir('veil-rotate-');
    try {
      const before = (await veil('registry', 'public-key', '--data', own)).out;
      const r = await veil('registry', 'rotate-key', '--data', own);
      expect(r.out).toContain(`Old public key: ${before}`);
      const after = (await veil('registry', 'public-key', '--data', own)).out;
      expect(after).not.toBe(before);
      expect(fs.statSync(path.join(own, 'signing-key.json')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it.each(['serve', 'public-key', 'create-key', 'revoke-key', 'keys', 'stats', 'export', 'import', 'rotate-key'])('has --help for %s', async (cmd) => {
    const r = await veil('registry', cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: veil registry/);
  });

  it('answers a usage error with exit code 2', async () => {
    expect((await veil('registry', 'create-key', '--role', 'admin', '--label', 'x', ...data())).code).toBe(2);
    expect((await veil('registry', 'serve', '--port', 'eighty')).code).toBe(2);
    expect((await veil('registry', 'frobnicate')).code).toBe(2);
  });
});
