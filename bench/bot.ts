/**
 * The Discord bot, end to end on this machine: the real discord.js client against the fake
 * Discord server (test/discord/server), lists from a real registry, the shared hashing pipeline.
 *
 * - message to deletion: from the moment the fake server dispatches MESSAGE_CREATE with a 2 MP
 *   JPEG (a re-compressed copy of a confirmed photo) to the moment it receives the bot's DELETE;
 *   messages one at a time, so this is latency, not queueing (issue 5 target: under a second).
 * - images checked per second: many messages with one 2 MP JPEG each (none matching) posted at
 *   once; from the first post to the last "checked", including downloads from the local CDN.
 * Printed, never asserted. Run alone: `npx tsx bench/bot.ts [latency-runs] [throughput-images]`.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { hashImage } from '../node/hashFile';
import { startHarness } from '../test/discord/support/harness';
import { edited, photoJpeg } from '../test/discord/support/photos';

/** 1732 x 1155 = 2.0 megapixels, a 3:2 phone photo. */
const WIDTH = 1732;
const HEIGHT = 1155;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function benchBot(latencyRuns = 30, throughputImages = 40): Promise<void> {
  console.log(`\n## Discord bot (${availableParallelism()} CPUs; fake Discord server, real registry, one bot process)`);
  const h = await startHarness();
  try {
    h.configure({ logChannelId: h.logChannelId, actions: { confirmed: 'delete', reported: 'review' }, timeoutSeconds: 0, dmAuthor: false });
    const original = await photoJpeg(1, WIDTH, HEIGHT, 92);
    await h.registerPhoto(original, 'confirmed');
    const repost = await edited(original, { quality: 80 });

    const hashTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await hashImage(repost);
      hashTimes.push(performance.now() - t);
    }
    hashTimes.sort((a, b) => a - b);

    const latencies: number[] = [];
    for (let i = 0; i < latencyRuns + 3; i++) {
      const t = performance.now();
      const msg = h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: `leak${i}.jpg`, bytes: repost }] });
      await h.waitForDeletion(h.generalId, msg.id, 30_000);
      if (i >= 3) latencies.push(performance.now() - t); // the first runs warm up sharp and the JIT
    }
    latencies.sort((a, b) => a - b);

    const unrelated = await Promise.all([11, 12, 13, 14].map((seed) => photoJpeg(seed, WIDTH, HEIGHT, 85)));
    const t0 = performance.now();
    const posted = Array.from({ length: throughputImages }, (_, i) =>
      h.fake.postMessage({ channelId: h.generalId, authorId: h.posterId, attachments: [{ filename: `p${i}.jpg`, bytes: unrelated[i % unrelated.length] }] }),
    );
    for (const m of posted) await h.waitForChecked(m.id, 120_000);
    const seconds = (performance.now() - t0) / 1000;

    const ms = (x: number): string => `${x.toFixed(1)} ms`;
    console.log(`2 MP JPEG (${WIDTH}x${HEIGHT}, ${(repost.length / 1024).toFixed(0)} KiB):`);
    console.log(`  hashImage alone (decode + PDQ with dihedrals + blockhash): median ${ms(quantile(hashTimes, 0.5))}`);
    console.log(`  message to deletion, ${latencies.length} messages one at a time: median ${ms(quantile(latencies, 0.5))}, p95 ${ms(quantile(latencies, 0.95))}, max ${ms(latencies[latencies.length - 1])}`);
    console.log(`  images checked per second, ${throughputImages} messages posted at once: ${(throughputImages / seconds).toFixed(1)} (${seconds.toFixed(2)} s in all)`);
  } finally {
    await h.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchBot(Number(process.argv[2] ?? 30), Number(process.argv[3] ?? 40)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
