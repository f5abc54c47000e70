/**
 * `npm run bench`: every benchmark, one after another, each printing its own figures (against a
 * baseline measured in the same run where one exists). Speed targets are checked here, by a
 * person reading the numbers, never by timed assertions in tests.
 *
 *   npm run bench                  all of them
 *   npm run bench -- hash index    only these (names below)
 */
export {};

const BENCHES: Record<string, { what: string; run: () => Promise<void> }> = {
  hash: { what: 'the hash set per image (PDQ, blockhash, crop hashes, views), entries per registered photo', run: async () => (await import('./hash')).benchHashes() },
  'hash-browser': { what: 'the hash set per image in headless Chromium (page, service worker) beside Node', run: async () => (await import('./hashBrowser')).benchHashBrowser() },
  index: { what: 'matching index vs linear scan at 1M and 10M entries', run: async () => (await import('./index')).benchIndex() },
  registry: { what: 'registry throughput, list sizes, /v1/match', run: async () => (await import('./registry')).benchRegistry() },
  bot: { what: 'Discord bot: message to deletion, images per second', run: async () => (await import('./bot')).benchBot() },
  extension: { what: 'extension in headless Chromium: decision time, 200-image page, memory', run: async () => (await import('./extension')).benchExtension() },
};

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((name) => !(name in BENCHES));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
for (const [name, bench] of Object.entries(BENCHES)) {
  if (asked.length && !asked.includes(name)) continue;
  console.log(`\n=== ${name}: ${bench.what} ===\n`);
  const started = Date.now();
  await bench.run();
  console.log(`\n(${name} took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
