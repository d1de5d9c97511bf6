/**
 * How HyperLab's own launchers start the language server's Node process: the extension (IPC),
 * `npm run bench` and the protocol tests (stdio). Declared once so they all measure and ship the
 * same process.
 *
 * Why a larger young generation: every keystroke in a guest file re-analyses the whole link and
 * the analysis of the previous version stays cached until the new one replaces it, so each
 * analysis (a few MB for a 5,000-line file) lives through about one edit. With V8's default 16 MB
 * semi-spaces those objects survive two scavenges and are promoted, and the old generation then
 * needs a 25-35 ms mark-compact every few dozen keystrokes, which is what a p99 latency sees. With
 * 32 MB semi-spaces they die young (measured: 7 mark-compacts in 300 edits become 1, p99 CPU per
 * edit 54 ms -> 24 ms). The setting costs at most 64 MB of address space, reserved lazily.
 * `node dist/server.js --stdio` without it still works, with those pauses.
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=32'];
