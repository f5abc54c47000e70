/**
 * The registry page's hashing worker: one photo per message, decoded and hashed here with the
 * same code the extension runs in its page (hashPhotoFile), so the page stays responsive with
 * hundreds of photos. The File arrives by structured clone (no copy of its bytes is made until
 * decoding); the pixels never leave this worker, only the hashes go back.
 *
 * Messages: in { id, file }; out { id, hashes } or { id, code } (a VeilError code).
 */
import { isVeilError } from '../shared/errors';
import { createHashScratch } from '../shared/hash/compute';
import { hashPhotoFile } from '../extension/lib/protect/hashFile';
import type { HashRequest, HashReply } from './workerHasher';

interface WorkerScope {
  createImageBitmap: typeof createImageBitmap;
  OffscreenCanvas: typeof OffscreenCanvas;
  postMessage(message: HashReply): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<HashRequest>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const scratch = createHashScratch();
// One photo at a time: the page sends the next only after this one's reply, and the scratch is shared.
scope.addEventListener('message', (e) => {
  const { id, file } = e.data;
  hashPhotoFile(file, scope, scratch).then(
    (hashes) => scope.postMessage({ id, hashes }),
    (err: unknown) => scope.postMessage({ id, code: isVeilError(err) ? err.code : 'internal' }),
  );
});
