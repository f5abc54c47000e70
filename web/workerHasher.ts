import { VeilError, type VeilErrorCode } from '../shared/errors';
import type { ImageHashes } from '../shared/hash/types';

/** The page's side of hashWorker.ts: a hashFile for mountProtect that runs in the worker. */
export interface HashRequest {
  id: number;
  file: File;
}
export type HashReply = { id: number; hashes: ImageHashes } | { id: number; code: VeilErrorCode };

export interface WorkerHasher {
  hashFile(file: File): Promise<ImageHashes>;
  terminate(): void;
}

export function workerHasher(worker: Worker): WorkerHasher {
  let next = 0;
  const pending = new Map<number, { resolve(h: ImageHashes): void; reject(e: Error): void }>();
  worker.addEventListener('message', (e: MessageEvent<HashReply>) => {
    const waiting = pending.get(e.data.id);
    if (!waiting) return;
    pending.delete(e.data.id);
    if ('hashes' in e.data) waiting.resolve(e.data.hashes);
    else waiting.reject(new VeilError(e.data.code));
  });
  // A worker that fails to load or crashes fails every photo waiting on it, rather than hanging.
  worker.addEventListener('error', () => {
    for (const waiting of pending.values()) waiting.reject(new VeilError('internal', '(hashing worker failed)'));
    pending.clear();
  });
  return {
    hashFile(file) {
      const id = next++;
      return new Promise<ImageHashes>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, file } satisfies HashRequest);
      });
    },
    terminate() {
      worker.terminate();
      for (const waiting of pending.values()) waiting.reject(new VeilError('internal', '(hashing worker stopped)'));
      pending.clear();
    },
  };
}
