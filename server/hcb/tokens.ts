/**
 * A small line tokenizer for editor features (token under the cursor, semantic tokens). The
 * assembler's lexer is internal to the assembler and may change; this one only has to agree
 * with it on where words, numbers, registers and comments are.
 */
export type TokenKind = 'num' | 'reg' | 'ident' | 'op';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the first character; `end` is exclusive. */
  column: number;
  end: number;
}

export interface LineTokens {
  tokens: Token[];
  /** 0-based start of the trailing comment, or -1. */
  commentStart: number;
}

const PATTERN = /(\s+)|((?:;|#|\/\/).*)|(%?[rw](?:10|[0-9])(?![\w.$]))|([0-9][\w.$]*)|([A-Za-z_.$][\w.$]*)|(s(?:>>=|\/=|%=|>=|<=|>|<)|<<=|>>=|[+\-*/%|&^]=|==|!=|>=|<=|.)/gy;

export function tokenizeLine(text: string): LineTokens {
  const tokens: Token[] = [];
  let commentStart = -1;
  PATTERN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PATTERN.exec(text)) !== null) {
    const column = m.index + 1;
    const end = column + m[0].length;
    if (m[1]) continue;
    if (m[2]) {
      commentStart = m.index;
      break;
    }
    const kind: TokenKind = m[3] ? 'reg' : m[4] ? 'num' : m[5] ? 'ident' : 'op';
    tokens.push({ kind, text: m[0], column, end });
  }
  return { tokens, commentStart };
}
