/**
 * `veil submit FILES...`: what a victim runs on her own computer. Photos are hashed here and
 * only the hashes are sent; the registry answers with a case id and a secret, printed once.
 */
import { checkHashUsable } from '../../shared/hash/gates';
import { caseStatus, submitHashes, withdrawCase } from '../../shared/registry/api';
import { imageHashesToJson } from '../../shared/registry/wire';
import type { HashJson, SubmissionResponse } from '../../shared/registry/wire';
import { hashImage } from '../hashFile';
import { describeError } from './errors';
import { parseCommand } from './args';
import { expandImagePaths } from './files';
import type { CliIo } from './io';

const HELP = `Usage: veil submit FILES|DIRS... [--registry URL] [--json]
       veil submit --status CASE --secret SECRET [--registry URL]
       veil submit --withdraw CASE --secret SECRET [--registry URL]

Hashes your photos on this computer and submits only the hashes (PDQ with its flips, blockhash,
and the crop hashes of the photo and about 30 crops of it) to a Veil registry. The photos never leave this computer. Prints a case id
and a secret: keep the secret, it is shown only once and is needed to check or withdraw the case.

Options:
  --registry URL      the registry; default $VEIL_REGISTRY_URL or http://127.0.0.1:8787
  --json              print the answer as JSON
  --status CASE       show the status of a case (needs --secret)
  --withdraw CASE     withdraw a case: its hashes leave every list (needs --secret)
  --secret SECRET     the case's secret
  --per-request N     photos per submission (each becomes one case); default 100
  -h, --help          show this help

Exit code: 0 on success, 1 if the registry refused or a photo could not be hashed, 2 on a usage error.`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const options = {
    registry: { type: 'string' },
    json: { type: 'boolean' },
    status: { type: 'string' },
    withdraw: { type: 'string' },
    secret: { type: 'string' },
    'per-request': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const parsed = parseCommand('submit', args, options, HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const api = { baseUrl: values.registry ?? process.env.VEIL_REGISTRY_URL ?? 'http://127.0.0.1:8787', fetch: globalThis.fetch };

  if (values.status || values.withdraw) {
    if (!values.secret) {
      io.err(`veil submit: --secret is needed.\n\n${HELP}`);
      return 2;
    }
    try {
      const r = values.withdraw ? await withdrawCase(api, values.withdraw, values.secret) : await caseStatus(api, values.status!, values.secret);
      io.out(values.json ? JSON.stringify(r) : `Case ${r.caseId}: ${r.status}; on lists: ${r.lists.length ? r.lists.join(', ') : 'none'}.`);
      return 0;
    } catch (err) {
      io.err(`veil submit: ${describeError(err)}`);
      return 1;
    }
  }

  if (positionals.length === 0) {
    io.err(`veil submit: no files given.\n\n${HELP}`);
    return 2;
  }
  const perRequest = Number(values['per-request'] ?? 100);
  if (!Number.isInteger(perRequest) || perRequest < 1 || perRequest > 100) {
    io.err('veil submit: --per-request must be an integer from 1 to 100.');
    return 2;
  }

  let failed = 0;
  const photos: { file: string; hashes: HashJson[] }[] = [];
  for (const f of await expandImagePaths(positionals)) {
    try {
      if (f.error) throw new Error(f.error);
      const h = await hashImage(f.path, { registration: true });
      const pdqOk = checkHashUsable('pdq', h.pdq, h.quality);
      const bhOk = checkHashUsable('blockhash', h.blockhash);
      if (!pdqOk.usable && !bhOk.usable) throw new Error(`cannot be matched reliably: ${pdqOk.reason}`);
      // No dihedral variants: the registry never lists them (matchers hash the query's own), and
      // they would take a third of the request. Crop hashes come already gated.
      const hashes = imageHashesToJson(h, undefined, false).filter((x) => (x.kind === 'pdq' ? pdqOk.usable : x.kind === 'blockhash' ? bhOk.usable : true));
      photos.push({ file: f.path, hashes });
    } catch (err) {
      failed++;
      io.err(`${f.path}: ${describeError(err)}`);
    }
  }
  if (photos.length === 0) {
    io.err('veil submit: no photo could be hashed; nothing was sent.');
    return 1;
  }

  const cases: (SubmissionResponse & { files: string[] })[] = [];
  for (let i = 0; i < photos.length; i += perRequest) {
    const chunk = photos.slice(i, i + perRequest);
    const hashes = chunk.flatMap((p, photo) => p.hashes.map((h) => ({ ...h, photo })));
    try {
      const r = await submitHashes(api, hashes);
      cases.push({ ...r, files: chunk.map((p) => p.file) });
    } catch (err) {
      io.err(`veil submit: the registry refused ${chunk.length} photo(s): ${describeError(err)}`);
      failed += chunk.length;
    }
  }
  for (const c of cases) {
    if (values.json) io.out(JSON.stringify(c));
    else {
      io.out(`Submitted ${c.files.length} photo(s) to ${api.baseUrl}: ${c.status === 'active' ? 'listed' : `held for review (${c.status})`}.`);
      io.out(`Case:   ${c.caseId}`);
      io.out(`Secret: ${c.secret}`);
      io.out('Keep the secret: it is shown only once, and you need it to check or withdraw this case.');
    }
  }
  return failed ? 1 : 0;
}
