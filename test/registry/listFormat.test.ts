import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import type { VeilErrorCode } from '../../shared/errors';
import {
  HEADER_BYTES,
  KIND_IDS,
  ListFile,
  ListRecordsWriter,
  RECORD_BYTES,
  SIGNATURE_BYTES,
  encodeKeyAnnouncement,
  encodeListFile,
  generateSigner,
  kindFromId,
} from '../../shared/registry/listFormat';
import type { ListSigner } from '../../shared/registry/listFormat';
import { randomHash } from './support';

async function rejects(p: Promise<unknown>, code: VeilErrorCode): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isVeilError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

async function sampleSnapshot(signer: ListSigner, n = 50, toSeq = 200): Promise<{ bytes: Uint8Array; hashes: Uint8Array[] }> {
  const w = new ListRecordsWriter();
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const h = randomHash(i + 1);
    hashes.push(h);
    w.add(i % 2 ? 'blockhash' : 'pdq', h, i % 2 ? undefined : 50 + (i % 50), 100 + i);
  }
  return { bytes: await encodeListFile({ type: 'snapshot', list: 'reported', toSeq, records: w }, signer), hashes };
}

describe('list format', () => {
  it('round-trips a snapshot: header, records sorted by (kind, hash), quality and sequence numbers', async () => {
    const signer = await generateSigner();
    const { bytes, hashes } = await sampleSnapshot(signer);
    expect(bytes.length).toBe(HEADER_BYTES + 50 * RECORD_BYTES + SIGNATURE_BYTES);
    const file = await ListFile.fromBytes(bytes, [signer.publicKey], { list: 'reported', type: 'snapshot' });
    expect(file.header).toMatchObject({ type: 'snapshot', list: 'reported', fromSeq: 0, toSeq: 200, count: 50 });
    const seen = new Map<string, { kind: string | undefined; quality: number | undefined; seq: number }>();
    let prev = '';
    for (let i = 0; i < file.count; i++) {
      const key = `${file.kindIdAt(i)}:${Buffer.from(file.hashAt(i)).toString('hex')}`;
      expect(key > prev).toBe(true);
      prev = key;
      seen.set(Buffer.from(file.hashAt(i)).toString('hex'), { kind: kindFromId(file.kindIdAt(i)), quality: file.qualityAt(i), seq: file.seqAt(i) });
      expect(file.isRemovalAt(i)).toBe(false);
    }
    hashes.forEach((h, i) => {
      expect(seen.get(Buffer.from(h).toString('hex'))).toEqual({
        kind: i % 2 ? 'blockhash' : 'pdq',
        quality: i % 2 ? undefined : 50 + (i % 50),
        seq: 100 + i,
      });
    });
  });

  it('round-trips a delta with additions and removals', async () => {
    const signer = await generateSigner();
    const w = new ListRecordsWriter();
    w.add('pdq', randomHash(1), 90, 11);
    w.add('pdq', randomHash(2), undefined, 12, true);
    const bytes = await encodeListFile({ type: 'delta', list: 'confirmed', fromSeq: 10, toSeq: 12, records: w }, signer);
    const file = await ListFile.fromBytes(bytes, [signer.publicKey], { list: 'confirmed', type: 'delta', heldSeq: 10 });
    expect(file.header).toMatchObject({ fromSeq: 10, toSeq: 12, count: 2 });
    const removals = [0, 1].map((i) => file.isRemovalAt(i)).sort();
    expect(removals).toEqual([false, true]);
  });

  it('refuses a file with one flipped bit anywhere (tampered)', async () => {
    const signer = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 10);
    for (const offset of [45, HEADER_BYTES + 5, HEADER_BYTES + 3 * RECORD_BYTES + 20, bytes.length - 1]) {
      const t = bytes.slice();
      t[offset] ^= 1;
      const err = await ListFile.fromBytes(t, [signer.publicKey]).then(
        () => null,
        (e: unknown) => e,
      );
      // A flipped key-id byte is reported as an unknown key; anything else fails the signature.
      expect(isVeilError(err, 'list/bad-signature') || isVeilError(err, 'list/unknown-key')).toBe(true);
    }
  });

  it('refuses a truncated file', async () => {
    const signer = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 10);
    await rejects(ListFile.fromBytes(bytes.subarray(0, bytes.length - 1), [signer.publicKey]), 'list/bad-format');
    await rejects(ListFile.fromBytes(bytes.subarray(0, 100), [signer.publicKey]), 'list/bad-format');
    await rejects(ListFile.fromBytes(new Uint8Array(0), [signer.publicKey]), 'list/bad-format');
  });

  it('refuses a file that is not a list, or of an unknown format version', async () => {
    const signer = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 2);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0x50;
    await rejects(ListFile.fromBytes(wrongMagic, [signer.publicKey]), 'list/bad-format');
    const wrongVersion = bytes.slice();
    wrongVersion[4] = 2;
    await rejects(ListFile.fromBytes(wrongVersion, [signer.publicKey]), 'list/bad-format');
  });

  it('refuses a file signed by a key that is not pinned', async () => {
    const signer = await generateSigner();
    const other = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 3);
    await rejects(ListFile.fromBytes(bytes, [other.publicKey]), 'list/unknown-key');
  });

  it('refuses a file re-signed under a pinned key id by a different key', async () => {
    const signer = await generateSigner();
    const forger = await generateSigner();
    const { bytes } = await sampleSnapshot(forger, 3);
    const forged = bytes.slice();
    forged.set(signer.publicKey.subarray(0, 8), 40);
    await rejects(ListFile.fromBytes(forged, [signer.publicKey]), 'list/bad-signature');
  });

  it('refuses a replayed older file (sequence below the copy held)', async () => {
    const signer = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 3, 200);
    await rejects(ListFile.fromBytes(bytes, [signer.publicKey], { heldSeq: 201 }), 'list/stale');
    await expect(ListFile.fromBytes(bytes, [signer.publicKey], { heldSeq: 200 })).resolves.toBeInstanceOf(ListFile);
  });

  it('refuses a file for another list than the one asked for', async () => {
    const signer = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 3);
    await rejects(ListFile.fromBytes(bytes, [signer.publicKey], { list: 'confirmed' }), 'list/wrong-list');
  });

  it('refuses a validly signed file whose records are out of order', async () => {
    // A registry bug must not be applied half-understood, even under a good signature.
    const signer = await generateSigner();
    const { bytes } = await sampleSnapshot(signer, 4);
    const swapped = bytes.slice();
    const a = HEADER_BYTES;
    const b = HEADER_BYTES + RECORD_BYTES;
    swapped.set(bytes.subarray(b, b + RECORD_BYTES), a);
    swapped.set(bytes.subarray(a, a + RECORD_BYTES), b);
    const { signAsync } = await import('@noble/ed25519');
    swapped.set(await signAsync(swapped.subarray(0, swapped.length - 64), signer.secretKey), swapped.length - 64);
    await rejects(ListFile.fromBytes(swapped, [signer.publicKey]), 'list/bad-format');
  });

  it('refuses two records for the same hash when encoding', async () => {
    const signer = await generateSigner();
    const w = new ListRecordsWriter();
    w.add('pdq', randomHash(7), 80, 1);
    w.add('pdq', randomHash(7), 80, 2);
    await rejects(encodeListFile({ type: 'snapshot', list: 'reported', toSeq: 2, records: w }, signer), 'internal');
  });

  it('carries a key announcement signed by the old key', async () => {
    const oldKey = await generateSigner();
    const newKey = await generateSigner();
    const bytes = await encodeKeyAnnouncement(newKey.publicKey, oldKey);
    const file = await ListFile.fromBytes(bytes, [oldKey.publicKey], { type: 'key-announcement' });
    expect(file.header.announcedKey).toEqual(newKey.publicKey);
    await rejects(ListFile.fromBytes(bytes, [newKey.publicKey]), 'list/unknown-key');
  });

  it('keeps sequence numbers beyond 2^32 exact', async () => {
    const signer = await generateSigner();
    const w = new ListRecordsWriter();
    const big = 2 ** 40 + 5;
    w.add('blockhash', randomHash(3), undefined, big);
    const bytes = await encodeListFile({ type: 'snapshot', list: 'reported', toSeq: big + 1, records: w }, signer);
    const file = await ListFile.fromBytes(bytes, [signer.publicKey]);
    expect(file.seqAt(0)).toBe(big);
    expect(file.header.toSeq).toBe(big + 1);
  });

  it('has a kind id for every hash kind and maps ids back', () => {
    for (const [kind, id] of Object.entries(KIND_IDS)) expect(kindFromId(id)).toBe(kind);
    expect(kindFromId(99)).toBeUndefined();
  });
});
