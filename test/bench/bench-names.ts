/**
 * The names of the benches of `npm run bench`, in run order (BENCH=<comma list> selects among
 * them). Kept apart from benches.ts so that a test can name every bench without loading them.
 */

/** Every bench, in run order. */
export const BENCH_NAMES = [
  'member',
  'apiserver',
  'federation',
  'dns',
  'registry',
  'auth',
  'service-proxy',
  'scale',
] as const;

/** One bench's name. */
export type BenchName = (typeof BENCH_NAMES)[number];
