import { storage } from 'wxt/utils/storage';
import type { HashKind } from '../../shared/hash/types';
import type { ListName } from '../../shared/match/types';
import { BUILD_CONFIG } from './config';

/**
 * Every key the extension keeps in browser storage, declared once here (style: storage keys only
 * in this file). Each item has a fallback and a version; a future shape change adds a migration.
 * Nothing here holds an image, a page URL or an image URL: only settings and list status.
 */

/** A registry the user subscribes to, with the key its lists must verify against. */
export interface Subscription {
  /** Stable local id ('default' for the registry chosen at build time). */
  id: string;
  /** Base URL, no trailing slash. */
  url: string;
  /** Pinned Ed25519 list-signing key, 64 lowercase hex digits ('' = unverifiable, never used). */
  publicKey: string;
  /** Which of its lists to blur with. */
  lists: ListName[];
  /**
   * A reporter API key from this registry, if the user has one. With it, "Report this image" and
   * "This is not a leaked photo" are recorded as reporter verdicts; without it a report is sent
   * as an anonymous submission (it then enters only the `reported` list, the soft one) and a
   * false-positive stays a local allow.
   */
  reporterKey?: string;
}

export function defaultSubscriptions(): Subscription[] {
  return [{ id: 'default', url: BUILD_CONFIG.registryUrl.replace(/\/+$/, ''), publicKey: BUILD_CONFIG.registryPublicKey, lists: ['reported', 'confirmed'] }];
}

export const subscriptionsItem = storage.defineItem<Subscription[]>('local:veil.subscriptions', {
  fallback: defaultSubscriptions(),
  version: 1,
});

/** Hosts where Veil is paused (a site allow-list); a host also covers its subdomains. */
export const pausedSitesItem = storage.defineItem<string[]>('local:veil.pausedSites', { fallback: [], version: 1 });

/**
 * A listed entry the user said is not a leaked photo: shown everywhere from then on. Kept by its
 * hash (public list data, not something the user viewed), because entry ids are slot numbers
 * that a later entry may reuse.
 */
export interface AllowedEntry {
  subscription: string;
  list: ListName;
  kind: HashKind;
  /** 64 hex digits. */
  hash: string;
  /** PDQ quality as listed (a dispute names it). */
  quality?: number;
}
export const allowedEntriesItem = storage.defineItem<AllowedEntry[]>('local:veil.allowedEntries', { fallback: [], version: 1 });

/** Per-image failsafe: an image not decided within this many ms is shown (see CHECK_DEFAULTS). */
export const DEFAULT_FAILSAFE_MS = 10_000;
export const failsafeMsItem = storage.defineItem<number>('local:veil.failsafeMs', { fallback: DEFAULT_FAILSAFE_MS, version: 1 });

/** Sync state of one list of one subscription, shown in the popup. */
export interface ListStatus {
  subscription: string;
  list: ListName;
  /** Sequence number of the copy in use; 0 = none yet. */
  sequence: number;
  entries: number;
  /** ms since epoch of the last successful update (0 = never). */
  updatedAt: number;
  /** VeilError code of the last attempt ('no-key' when none is pinned); null when it went well. */
  error: string | null;
  /** Consecutive failed attempts, for the back-off. */
  failures: number;
  /** ms since epoch before which no new attempt is made. */
  nextAttemptAt: number;
}
export const listStatusItem = storage.defineItem<Record<string, ListStatus>>('local:veil.listStatus', { fallback: {}, version: 1 });

export function listKey(subscription: string, list: ListName): string {
  return `${subscription}/${list}`;
}

/** IndexedDB that holds the local copies of the lists (too large for storage.local). */
export const LIST_DB = { name: 'veil-lists', version: 1, store: 'copies' } as const;

/** Alarm that drives list updates. */
export const SYNC_ALARM = 'veil.sync';

/** Normalises a host for the pause list: lower case, no leading "www.". */
export function siteOf(host: string): string {
  return host.toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
}

/** Whether `host` is covered by a paused site (the site itself or a subdomain of it). */
export function isPaused(host: string, paused: readonly string[]): boolean {
  const h = siteOf(host);
  return paused.some((p) => h === p || h.endsWith(`.${p}`));
}
