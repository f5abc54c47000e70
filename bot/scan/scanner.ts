/**
 * Checks the images of a message: download (bot/scan/download.ts), hash with the shared
 * pipeline (node/hashFile.ts: sharp decode, canonical luma, PDQ and blockhash, pixels zeroed),
 * match against the lists (the shared matcher). A failure on one image is recorded and the
 * others go on: a malformed, huge or undecodable file never stops the bot.
 */
import { isVeilError } from '../../shared/errors';
import type { VeilErrorCode } from '../../shared/errors';
import type { ImageHashes } from '../../shared/hash/types';
import type { MatchResult } from '../../shared/match/types';
import type { Message, PartialMessage } from 'discord.js';
import type { BotLogger } from '../log';
import { errorCode } from '../log';
import type { DownloadLimits } from './download';
import { DEFAULT_DOWNLOAD_LIMITS, downloadImage } from './download';
import type { DiscordOrigins, ImageRef } from './sources';
import { imageRefsOf } from './sources';

/** What the scanner needs from the lists: the shared Matcher satisfies it. */
export interface ImageMatcher {
  match(hashes: ImageHashes): MatchResult | null;
}

export type ImageHasher = (bytes: Uint8Array) => Promise<ImageHashes>;

export interface ImageCheck {
  ref: ImageRef;
  hashes: ImageHashes | null;
  match: MatchResult | null;
  /** Why the image could not be checked (download or decode), null when it was. */
  error: VeilErrorCode | 'unknown' | null;
}

export interface ScannerOptions {
  origins: DiscordOrigins;
  matcher: ImageMatcher;
  hash: ImageHasher;
  log: BotLogger;
  limits?: DownloadLimits;
  /**
   * Images downloaded and hashed at once. Decoding is what costs memory (4 bytes per pixel up
   * to the decoder's pixel limit), so this bounds the bot's peak memory; 4 keeps two cores busy
   * while other downloads wait on the network.
   */
  concurrency?: number;
  fetch?: typeof fetch;
}

export interface ScanStats {
  images: number;
  matched: number;
  failed: number;
}

/** A counting semaphore: at most `n` tasks run; the rest wait in order. */
class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export class Scanner {
  readonly stats: ScanStats = { images: 0, matched: 0, failed: 0 };
  readonly #opts: ScannerOptions;
  readonly #gate: Gate;

  constructor(opts: ScannerOptions) {
    this.#opts = opts;
    this.#gate = new Gate(opts.concurrency ?? 4);
  }

  refsOf(message: Message | PartialMessage): ImageRef[] {
    return imageRefsOf(message, this.#opts.origins);
  }

  /** Downloads and hashes one image; throws the download's or decoder's VeilError. */
  hashRef(ref: ImageRef): Promise<ImageHashes> {
    return this.#gate.run(async () => {
      const bytes = await downloadImage(ref.url, this.#opts.origins, this.#opts.limits ?? DEFAULT_DOWNLOAD_LIMITS, this.#opts.fetch);
      try {
        return await this.#opts.hash(bytes);
      } finally {
        bytes.fill(0);
      }
    });
  }

  /** Checks one image; never throws. `where` names the message for the log (ids only). */
  async check(ref: ImageRef, where: { guild: string | null; channel: string; message: string }): Promise<ImageCheck> {
    this.stats.images++;
    let hashes: ImageHashes;
    try {
      hashes = await this.hashRef(ref);
    } catch (err) {
      this.stats.failed++;
      const code = isVeilError(err) ? err.code : 'unknown';
      this.#opts.log.warn('image.skipped', { ...where, source: ref.source, code: isVeilError(err) ? err.code : errorCode(err) });
      return { ref, hashes: null, match: null, error: code };
    }
    const match = this.#opts.matcher.match(hashes);
    if (match) this.stats.matched++;
    return { ref, hashes, match, error: null };
  }

  /** Checks every image of a message except those whose key is in `skip` (already checked). */
  scan(message: Message | PartialMessage, skip: ReadonlySet<string> = new Set()): Promise<ImageCheck[]> {
    const where = { guild: message.guildId, channel: message.channelId, message: message.id };
    const refs = this.refsOf(message).filter((r) => !skip.has(r.key));
    return Promise.all(refs.map((r) => this.check(r, where)));
  }
}
