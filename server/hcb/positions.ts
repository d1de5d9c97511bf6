/** Range helpers of the hcb language; the core conversions are shared by every language (../ranges). */
import type { Range } from 'vscode-languageserver';

export { contains, toRange } from '../ranges';

export function lineRange(line: number, text: string): Range {
  return { start: { line, character: 0 }, end: { line, character: text.length } };
}
