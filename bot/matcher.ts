/**
 * The matcher the bot's lists feed.
 *
 * INTERIM: shared/match/matcher.ts (the one match policy of issue 2) is not in the tree yet.
 * Until it is, this adapter runs the shared HashIndex with the shared usability gates and the
 * design's PDQ default (radius 31, the eight dihedral variants of the query); blockhash entries
 * are held but not matched on, since no blockhash threshold has been measured. createMatcher
 * will return `new Matcher()` once that lands, and this file shrinks to that line.
 */
import { checkHashUsable } from '../shared/hash/gates';
import type { ImageHashes } from '../shared/hash/types';
import { HashIndex, MatchBuffer } from '../shared/match/mih';
import type { ListName, ListedHash, MatchResult } from '../shared/match/types';
import { listOfEntryId } from '../shared/registry/client';
import type { BotMatcher } from './lists';

/** The design's PDQ threshold (design.md; issue 2: "PDQ default 31"). */
const PDQ_RADIUS = 31;

class InterimMatcher implements BotMatcher {
  readonly #pdq = new HashIndex({ maxRadius: PDQ_RADIUS });
  readonly #entries = new Map<number, ListedHash>();
  readonly #hits = new MatchBuffer();

  add(entry: ListedHash): void {
    this.remove(entry.id);
    this.#entries.set(entry.id, entry);
    if (entry.kind === 'pdq') this.#pdq.add(entry.id, entry.hash);
  }

  remove(id: number): void {
    if (!this.#entries.delete(id)) return;
    this.#pdq.remove(id);
  }

  match(hashes: ImageHashes): MatchResult | null {
    if (!checkHashUsable('pdq', hashes.pdq, hashes.quality).usable) return null;
    let best: MatchResult | null = null;
    hashes.pdqDihedral.forEach((variant, dihedral) => {
      this.#pdq.query(variant, PDQ_RADIUS, this.#hits);
      if (this.#hits.length === 0) return;
      const distance = this.#hits.distances[0];
      const entry = this.#entries.get(this.#hits.ids[0]);
      if (entry && (!best || distance < best.distance)) best = { entry, kind: 'pdq', distance, dihedral };
    });
    return best;
  }
}

/**
 * One matcher per list, asked confirmed first: a photo on both lists (every confirmed entry was
 * reported first) must get the confirmed list's action even when a reported entry happens to be
 * as close or closer.
 */
class PerListMatcher implements BotMatcher {
  readonly #byList: Record<ListName, BotMatcher> = { confirmed: new InterimMatcher(), reported: new InterimMatcher() };

  add(entry: ListedHash): void {
    this.#byList[entry.list].add(entry);
  }

  remove(id: number): void {
    this.#byList[listOfEntryId(id)].remove(id);
  }

  match(hashes: ImageHashes): MatchResult | null {
    return this.#byList.confirmed.match(hashes) ?? this.#byList.reported.match(hashes);
  }
}

export function createMatcher(): BotMatcher {
  return new PerListMatcher();
}
