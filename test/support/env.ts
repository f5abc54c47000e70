import { it } from 'vitest';

/**
 * Tests that need something outside the clone (../shared data, Debian's chromium, PostgreSQL)
 * call this. Without the prerequisite they are skipped with a plain reason on stderr; under
 * VEIL_REQUIRE_ALL=1 (set by .ci/run) a missing prerequisite is a failure instead.
 */
export const requireAll = process.env.VEIL_REQUIRE_ALL === '1';

export function itIfAvailable(available: boolean, what: string): typeof it | typeof it.skip {
  if (available) return it;
  if (requireAll) {
    throw new Error(`Required for this test run but missing: ${what} (VEIL_REQUIRE_ALL=1).`);
  }
  console.warn(`SKIPPED: ${what} is not available here; the tests that need it were skipped.`);
  return it.skip;
}
