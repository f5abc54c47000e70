/**
 * The bot's lists feed the shared Matcher (shared/match/matcher.ts: per-kind indexes, the one
 * match policy, confirmed over reported). This adapts it to the sync client's sink, whose
 * removals name only an entry id (unique across kinds and lists, see entryIdFor).
 */
import { isVeilError } from '../shared/errors';
import { Matcher } from '../shared/match/matcher';
import type { BotMatcher } from './lists';

export function createMatcher(matcher: Matcher = new Matcher()): BotMatcher {
  return {
    add(entry) {
      try {
        matcher.add(entry);
      } catch (err) {
        // The sync client feeds only hashes that pass the gates; should one still be refused,
        // it cannot match anyway, and the rest of the list must still load.
        if (!isVeilError(err)) throw err;
      }
    },
    remove(id) {
      matcher.removeEntry(id);
    },
    match(hashes) {
      return matcher.match(hashes);
    },
  };
}
