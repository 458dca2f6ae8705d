/**
 * The V8 flags lvsync runs with; the first line of main.ts passes them (`#!/usr/bin/env -S node …`),
 * and the benchmark runs its measured processes with the same flags (test/cli/node-flags.test.ts
 * holds the two together).
 *
 * A 64 MiB young generation: a pass builds the desired and the live table (hundreds of thousands of
 * long-lived objects at 50k services) faster than the default 16 MiB semi-space lets them be
 * promoted, and scavenging was ~20% of a 50k×4 pass. With it the pass took 1.40–1.93 s instead of
 * 1.69–2.22 s (npm run bench -- --sizes 50k, 2026-12-01), peak RSS 458 MB instead of 374 MB; small
 * configs never grow the young generation that far, so they pay nothing.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
