/**
 * jsonc-parser, imported from its ES-module build. The package's `main` is a UMD wrapper whose
 * internal `require` calls esbuild cannot follow (the bundled CLI would fail with
 * "Cannot find module './impl/format'"); the ES-module build bundles cleanly and runs under tsx.
 */
export { parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main.js';
export type { Node, ParseError, ParseErrorCode } from 'jsonc-parser/lib/esm/main.js';
