import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../node/cli/main';
import type { CliIo } from '../../node/cli/io';
import { photoLike, rawSharp } from '../support/images';
import { REPO_ROOT } from '../support/paths';

/** A CliIo that keeps what a command printed. */
function captureIo(isTTY = false): CliIo & { stdout: string[]; stderr: string[]; progressText: string } {
  const io = {
    stdout: [] as string[],
    stderr: [] as string[],
    progressText: '',
    isTTY,
    out: (line: string) => void io.stdout.push(line),
    err: (line: string) => void io.stderr.push(line),
    progress: (text: string) => {
      if (isTTY) io.progressText += text;
    },
  };
  return io;
}

let dir: string;
let originals: string;
let queries: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-cli-'));
  originals = join(dir, 'originals');
  queries = join(dir, 'queries');
  await mkdir(originals);
  await mkdir(join(queries, 'nested'), { recursive: true });
  const a = photoLike(640, 480, 1);
  const b = photoLike(480, 640, 2);
  await writeFile(join(originals, 'a.jpg'), await rawSharp(a).jpeg({ quality: 90 }).toBuffer());
  await writeFile(join(originals, 'b.png'), await rawSharp(b).png().toBuffer());
  // Copies people re-post: re-compressed and resized, mirrored; and one unrelated photo.
  await writeFile(join(queries, 'a-small.webp'), await rawSharp(a).resize(320).webp({ quality: 60 }).toBuffer());
  await writeFile(join(queries, 'nested', 'b-mirror.jpg'), await rawSharp(b).flop().jpeg({ quality: 70 }).toBuffer());
  await writeFile(join(queries, 'unrelated.jpg'), await rawSharp(photoLike(640, 480, 99)).jpeg().toBuffer());
  await writeFile(join(queries, 'broken.jpg'), (await rawSharp(a).jpeg().toBuffer()).subarray(0, 300));
  await writeFile(join(queries, 'notes.txt'), 'not an image, and not picked up from a folder');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('veil hash', () => {
  it('prints one JSON object per image with hex hashes and numbers', async () => {
    const io = captureIo();
    expect(await main(['hash', '--json', originals], io)).toBe(0);
    const rows = io.stdout.map((l) => JSON.parse(l));
    expect(rows.map((r) => r.file)).toEqual([join(originals, 'a.jpg'), join(originals, 'b.png')]);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['blockhash', 'file', 'height', 'pdq', 'quality', 'width']);
      expect(r.pdq).toMatch(/^[0-9a-f]{64}$/);
      expect(r.blockhash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.quality).toBeGreaterThanOrEqual(50);
    }
    expect([rows[1].width, rows[1].height]).toEqual([480, 640]);
  });

  it('adds the eight dihedral PDQs with --dihedral, the first being the PDQ itself', async () => {
    const io = captureIo();
    expect(await main(['hash', '--json', '--dihedral', join(originals, 'a.jpg')], io)).toBe(0);
    const row = JSON.parse(io.stdout[0]);
    expect(Object.keys(row.dihedral)).toHaveLength(8);
    expect(row.dihedral.original).toBe(row.pdq);
    expect(new Set(Object.values(row.dihedral)).size).toBe(8);
  });

  it('gives a file that cannot be hashed an error line, goes on, and exits 1', async () => {
    const io = captureIo();
    const code = await main(['hash', '--json', join(queries, 'broken.jpg'), join(queries, 'missing.jpg'), join(originals, 'a.jpg')], io);
    expect(code).toBe(1);
    const rows = io.stdout.map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ file: join(queries, 'broken.jpg'), error: expect.stringMatching(/corrupt|truncated/i) });
    expect(rows[1]).toEqual({ file: join(queries, 'missing.jpg'), error: expect.stringMatching(/no such file/i) });
    expect(rows[2].pdq).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prints readable blocks without --json, errors on stderr', async () => {
    const io = captureIo();
    expect(await main(['hash', join(originals, 'a.jpg'), join(queries, 'notes.txt')], io)).toBe(1);
    expect(io.stdout[0]).toBe(join(originals, 'a.jpg'));
    expect(io.stdout[1]).toMatch(/^ {2}pdq +[0-9a-f]{64} {2}quality \d+$/);
    expect(io.stderr.join('\n')).toMatch(/notes\.txt: The file is not an image/);
  });

  it('draws a progress bar on a terminal for many files, and never into stdout', async () => {
    const many = Array.from({ length: 24 }, () => join(originals, 'a.jpg'));
    const io = captureIo(true);
    expect(await main(['hash', '--json', ...many], io)).toBe(0);
    expect(io.progressText).toMatch(/hashing \[#+\] 24\/24/);
    expect(io.stdout).toHaveLength(24);
  });

  it('answers usage errors with help and exit code 2', async () => {
    const io = captureIo();
    expect(await main(['hash'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/Usage: veil hash/);
    expect(await main(['hash', '--nope', 'x'], captureIo())).toBe(2);
    expect(await main(['frobnicate'], captureIo())).toBe(2);
  });
});

describe('veil scan', () => {
  it('finds the copies of the originals, leaves the unrelated photo, reports unreadable queries', async () => {
    const io = captureIo();
    const code = await main(['scan', '--against', originals, queries, '--json'], io);
    expect(code).toBe(1);
    const byFile = Object.fromEntries(io.stdout.map((l) => JSON.parse(l)).map((r) => [r.file, r]));
    expect(Object.keys(byFile).sort()).toEqual(
      ['a-small.webp', 'broken.jpg', 'nested/b-mirror.jpg', 'unrelated.jpg'].map((f) => join(queries, f)).sort(),
    );
    expect(byFile[join(queries, 'a-small.webp')].match).toMatchObject({ file: 'a.jpg' });
    expect(byFile[join(queries, 'nested', 'b-mirror.jpg')].match).toMatchObject({ file: 'b.png', kind: 'pdq' });
    expect(byFile[join(queries, 'nested', 'b-mirror.jpg')].match.distance).toBeLessThanOrEqual(8);
    expect(byFile[join(queries, 'unrelated.jpg')].match).toBeNull();
    expect(byFile[join(queries, 'broken.jpg')].error).toMatch(/corrupt|truncated/i);
  });

  it('needs --against and at least one query', async () => {
    expect(await main(['scan', queries], captureIo())).toBe(2);
    expect(await main(['scan', '--against', originals], captureIo())).toBe(2);
  });
});

describe('bin/veil.js', () => {
  it('runs as a command, with the exit code of the batch', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'veil.js'), 'hash', '--json', join(originals, 'a.jpg')]);
    expect(JSON.parse(stdout.trim()).file).toBe(join(originals, 'a.jpg'));
    await expect(run(process.execPath, [join(REPO_ROOT, 'bin', 'veil.js'), 'hash', join(queries, 'broken.jpg')])).rejects.toMatchObject({ code: 1 });
  });
});
