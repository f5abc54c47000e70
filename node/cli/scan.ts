import { basename } from 'node:path';
import { hashImage } from '../hashFile';
import { Matcher } from '../../shared/match/matcher';
import { DEFAULT_MATCH_POLICY } from '../../shared/match/policy';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import type { CliIo } from './io';
import { expandImagePaths } from './files';
import { createProgress } from './progress';
import { describeError } from './errors';
import { parseCommand } from './args';

const HELP = `Usage: veil scan --against DIR QUERIES... [--json]

Hashes every image in DIR (the known originals), then checks each query image (files, or every
image under a query folder, recursively) against them and prints the best match or "no match".
Everything happens on this computer; nothing is uploaded.

Options:
  --against DIR   folder of original images to match against (required)
  --json          one JSON object per line:
                  {"file": <query path>, "match": {"file", "kind", "distance"} | null}
                  or {"file", "error"} for a query that could not be read
  -h, --help      show this help

Matching uses Veil's default policy (PDQ within ${DEFAULT_MATCH_POLICY.pdq.threshold} bits with its rotations and flips, blockhash
within ${DEFAULT_MATCH_POLICY.blockhash.threshold} bits when the same photo's PDQ is within ${DEFAULT_MATCH_POLICY.blockhash.corroboratingPdqThreshold};
hashes of low quality are not matched).
Exit code: 0 if every query was read, 1 if any failed, 2 on a usage error.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand('scan', args, { against: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const, HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (!values.against || positionals.length === 0) {
    io.err(`veil scan: ${values.against ? 'no query files given' : '--against DIR is required'}.\n\n${HELP}`);
    return 2;
  }

  const originals = await expandImagePaths([values.against]);
  if (originals.length === 1 && originals[0].error) {
    io.err(`veil scan: ${values.against}: ${originals[0].error}`);
    return 2;
  }
  const matcher = new Matcher();
  const names: string[] = [];
  const indexing = createProgress(io, originals.length, 'indexing');
  for (const original of originals) {
    try {
      const h = await hashImage(original.path, { registration: true });
      const photo = names.length;
      names.push(basename(original.path));
      // Unusable hashes (flat image, low quality) are refused by the matcher; others may still serve.
      const entries = photoEntries(photo, h, 'confirmed');
      const refused: string[] = [];
      for (const entry of entries) {
        try {
          matcher.add(entry);
        } catch (err) {
          refused.push(`${entry.kind}: ${describeError(err)}`);
        }
      }
      if (refused.length === entries.length) io.err(`${original.path}: not indexed (${[...new Set(refused)].join('; ')})`);
    } catch (err) {
      io.err(`${original.path}: skipped: ${describeError(err)}`);
    }
    indexing.tick();
  }
  indexing.done();

  const queries = await expandImagePaths(positionals);
  const scanning = createProgress(io, queries.length, 'scanning');
  let failed = 0;
  let matched = 0;
  for (const query of queries) {
    try {
      if (query.error) throw new Error(query.error);
      const h = await hashImage(query.path);
      const result = matcher.match(h);
      const match = result ? { file: names[photoOfEntry(result.entry.id)], kind: result.kind, distance: result.distance } : null;
      if (match) matched++;
      if (values.json) io.out(JSON.stringify({ file: query.path, match }));
      else io.out(match ? `${query.path}\tmatches ${match.file} (${match.kind}, distance ${match.distance})` : `${query.path}\tno match`);
    } catch (err) {
      failed++;
      if (values.json) io.out(JSON.stringify({ file: query.path, error: describeError(err) }));
      else io.err(`${query.path}: ${describeError(err)}`);
    }
    scanning.tick();
  }
  scanning.done();
  if (!values.json) io.err(`${queries.length} checked against ${names.length} originals: ${matched} matched, ${failed} unreadable.`);
  return failed > 0 ? 1 : 0;
}
