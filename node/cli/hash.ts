import { hashImage } from '../hashFile';
import { bytesToHex } from '../../shared/hex';
import { DIHEDRAL_NAMES } from '../../shared/hash/types';
import type { CliIo } from './io';
import { expandImagePaths } from './files';
import { createProgress } from './progress';
import { describeError } from './errors';
import { parseCommand } from './args';

const HELP = `Usage: veil hash FILES|DIRS... [--json] [--dihedral]

Hashes images on this computer (nothing is uploaded) and prints, per image, its PDQ hash and
quality, its blockhash, and its size. Folders are searched recursively for images.

Options:
  --json       one JSON object per line: {"file","pdq","quality","blockhash","width","height"},
               or {"file","error"} for a file that could not be hashed
  --dihedral   also print the PDQ of each rotation and flip (in --json: "dihedral": {...})
  -h, --help   show this help

Exit code: 0 if every file was hashed, 1 if any failed, 2 on a usage error.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand('hash', args, { json: { type: 'boolean' }, dihedral: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const, HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length === 0) {
    io.err(`veil hash: no files given.\n\n${HELP}`);
    return 2;
  }

  const files = await expandImagePaths(positionals);
  const progress = createProgress(io, files.length, 'hashing');
  let failed = 0;
  for (const file of files) {
    try {
      if (file.error) throw new Error(file.error);
      const h = await hashImage(file.path);
      const dihedral = Object.fromEntries(DIHEDRAL_NAMES.map((name, i) => [name, bytesToHex(h.pdqDihedral[i])]));
      if (values.json) {
        const record: Record<string, unknown> = {
          file: file.path,
          pdq: bytesToHex(h.pdq),
          quality: h.quality,
          blockhash: bytesToHex(h.blockhash),
          width: h.width,
          height: h.height,
        };
        if (values.dihedral) record.dihedral = dihedral;
        io.out(JSON.stringify(record));
      } else {
        const row = (label: string, value: string) => io.out(`  ${label.padEnd(values.dihedral ? 17 : 11)}${value}`);
        io.out(file.path);
        row('pdq', `${bytesToHex(h.pdq)}  quality ${h.quality}`);
        if (values.dihedral) for (const name of DIHEDRAL_NAMES.slice(1)) row(`pdq ${name}`, dihedral[name]);
        row('blockhash', bytesToHex(h.blockhash));
        row('size', `${h.width}x${h.height}`);
      }
    } catch (err) {
      failed++;
      const message = describeError(err);
      if (values.json) io.out(JSON.stringify({ file: file.path, error: message }));
      else io.err(`${file.path}: ${message}`);
    }
    progress.tick();
  }
  progress.done();
  if (failed > 0 && !values.json) io.err(`${failed} of ${files.length} files could not be hashed.`);
  return failed > 0 ? 1 : 0;
}
