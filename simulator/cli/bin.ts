/** Process entry of the bundled `hyperlab` executable; main.ts stays importable by tests. */
import { main, nodeIO } from './main';

process.exitCode = main(nodeIO, process.argv.slice(2));
