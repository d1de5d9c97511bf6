/**
 * How HyperLab's own launchers start the language server's Node process: the extension (IPC),
 * `npm run bench` and the protocol tests (stdio). Declared once so they all measure and ship the
 * same process.
 *
 * Why a larger young generation: every keystroke in a guest file re-analyses the whole link and
 * the analysis of the previous version stays cached until the new one replaces it, so each
 * analysis (about 5 MB allocated for a 5,000-line file, 2 MB of it kept) lives through about one
 * edit. With V8's default 16 MB semi-spaces much of it survives two scavenges and is promoted,
 * and the old generation then needs mark-compacts. Measured over 300 edits of that file: 98
 * scavenges and 5 mark-compacts by default, 60 and 2 with 32 MB semi-spaces (a mark-compact cost
 * 25-35 ms when an analysis allocated 7 MB). The setting costs at most 64 MB of address space,
 * reserved lazily. `node dist/server.js --stdio` without it works the same, with more GC pauses.
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=32'];
