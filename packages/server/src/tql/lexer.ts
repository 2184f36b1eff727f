/**
 * TQL lexer. It never throws: characters it cannot use become `invalid` tokens and a string
 * without its closing quote becomes an `unterminated` token, so the parser can report the first
 * problem in reading order together with what it expected there.
 */

export type TokenKind =
  | 'ident' // [A-Za-z_][A-Za-z0-9_.]* — field names, keywords (AND, OR, NOT, IN, …), barewords
  | 'string' // "…" or '…'; `value` holds the unescaped text
  | 'number' // -?\d+(\.\d+)?
  | 'op' // = == != <> > < >= <=
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'invalid' // a character (or a number glued to letters) that starts no token
  | 'unterminated' // a string with no closing quote; runs to the end of the query
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text exactly as written (for `eof`, the empty string). */
  raw: string;
  /** 0-based offset of the token's first character. */
  position: number;
  /** For `string` tokens, the unescaped value. */
  value?: string;
}

const ESCAPABLE = new Set(['\'', '"', '`', '\\']);
const WHITESPACE = /\s/;

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 46; // . allowed after the first character
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits `text` into tokens; the last token is always `eof` at `text.length`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i]!;
    const c = text.charCodeAt(i);
    if (WHITESPACE.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '(') {
      tokens.push({ kind: 'lparen', raw: ch, position: start });
      i++;
    } else if (ch === ')') {
      tokens.push({ kind: 'rparen', raw: ch, position: start });
      i++;
    } else if (ch === ',') {
      tokens.push({ kind: 'comma', raw: ch, position: start });
      i++;
    } else if (ch === '"' || ch === '\'') {
      i = lexString(text, start, tokens);
    } else if (isDigit(c) || (ch === '-' && i + 1 < n && isDigit(text.charCodeAt(i + 1)))) {
      i = lexNumber(text, start, tokens);
    } else if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'ident', raw: text.slice(start, i), position: start });
    } else if (ch === '=' || ch === '!' || ch === '<' || ch === '>') {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=' || two === '<>' || two === '>=' || two === '<=') {
        tokens.push({ kind: 'op', raw: two, position: start });
        i += 2;
      } else if (ch === '!') {
        tokens.push({ kind: 'invalid', raw: ch, position: start });
        i++;
      } else {
        tokens.push({ kind: 'op', raw: ch, position: start });
        i++;
      }
    } else {
      // One whole code point, so a surrogate pair is never split in an error message.
      const cp = text.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      tokens.push({ kind: 'invalid', raw: text.slice(start, i), position: start });
    }
  }
  tokens.push({ kind: 'eof', raw: '', position: n });
  return tokens;
}

function lexString(text: string, start: number, tokens: Token[]): number {
  const quote = text[start]!;
  const n = text.length;
  let out = '';
  let i = start + 1;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= n) break; // a lone trailing backslash cannot close the string
      const next = text[i + 1]!;
      out += ESCAPABLE.has(next) ? next : ch + next;
      i += 2;
    } else if (ch === quote) {
      tokens.push({ kind: 'string', raw: text.slice(start, i + 1), position: start, value: out });
      return i + 1;
    } else {
      out += ch;
      i++;
    }
  }
  tokens.push({ kind: 'unterminated', raw: text.slice(start), position: start });
  return n;
}

function lexNumber(text: string, start: number, tokens: Token[]): number {
  const n = text.length;
  let i = start;
  if (text[i] === '-') i++;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (text[i] === '.' && i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  if (i < n && isIdentPart(text.charCodeAt(i))) {
    // "123abc" or "1.2.3": one invalid word rather than a number followed by something odd.
    while (i < n && isIdentPart(text.charCodeAt(i))) i++;
    tokens.push({ kind: 'invalid', raw: text.slice(start, i), position: start });
    return i;
  }
  tokens.push({ kind: 'number', raw: text.slice(start, i), position: start });
  return i;
}
