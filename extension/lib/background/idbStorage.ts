import type { ListStorage } from '../../../shared/registry/client';
import { LIST_DB } from '../settings';

/**
 * The shared list client's storage on IndexedDB: one object store of byte values, keys
 * prefixed per subscription so two registries never share a copy. storage.local is no place
 * for a 40 MB list copy; IndexedDB stores the bytes as they are (structured clone, no base64).
 */
let dbPromise: Promise<IDBDatabase> | null = null;

function openDb(idb: IDBFactory): Promise<IDBDatabase> {
  if (!dbPromise) {
    dbPromise = new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open(LIST_DB.name, LIST_DB.version);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(LIST_DB.store)) req.result.createObjectStore(LIST_DB.store);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    }).catch((err: unknown) => {
      dbPromise = null;
      throw err;
    });
  }
  return dbPromise;
}

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(LIST_DB.store, mode);
    const req = op(tx.objectStore(LIST_DB.store));
    // Resolve on commit, not on request success: an acknowledged write is on disk.
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export class IdbListStorage implements ListStorage {
  constructor(
    private readonly prefix: string,
    private readonly idb: IDBFactory = indexedDB,
  ) {}

  async get(key: string): Promise<Uint8Array | null> {
    const db = await openDb(this.idb);
    const value = await run<unknown>(db, 'readonly', (s) => s.get(`${this.prefix}:${key}`));
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    return null;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const db = await openDb(this.idb);
    await run(db, 'readwrite', (s) => s.put(value, `${this.prefix}:${key}`));
  }

  /** Drops every value of this subscription (unsubscribed). */
  async clear(): Promise<void> {
    const db = await openDb(this.idb);
    const range = IDBKeyRange.bound(`${this.prefix}:`, `${this.prefix}:\uffff`);
    await run(db, 'readwrite', (s) => s.delete(range));
  }
}
