import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/** The repository root, and the read-only data folder beside the checkout (never copied in). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = process.env.VEIL_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');
export const CORPUS_DIR = join(SHARED_DATA, 'corpus');
export const PDQ_DIR = join(SHARED_DATA, 'pdq');

export const hasCorpus = existsSync(join(CORPUS_DIR, 'manifest.tsv'));
export const hasPdqVectors = existsSync(join(PDQ_DIR, 'expected.csv'));

export interface CorpusPhoto {
  file: string;
  path: string;
  width: number;
  height: number;
  hasFace: boolean;
  /** Photos sharing a group are different photos of one person or scene (hard negatives); null for none. */
  group: string | null;
}

export function loadCorpusManifest(): CorpusPhoto[] {
  const lines = readFileSync(join(CORPUS_DIR, 'manifest.tsv'), 'utf8').trim().split('\n');
  const header = lines[0].split('\t');
  const col = (name: string) => header.indexOf(name);
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    const group = f[col('group')];
    return {
      file: f[col('file')],
      path: join(CORPUS_DIR, f[col('file')]),
      width: Number(f[col('width')]),
      height: Number(f[col('height')]),
      hasFace: f[col('has_face')] === 'yes',
      group: group && group !== '-' ? group : null,
    };
  });
}
