/**
 * TQL parser: recursive descent over the tokens from `tokenize`.
 *
 *   query     := orExpr
 *   orExpr    := andExpr (OR andExpr)*
 *   andExpr   := unary (AND unary)*
 *   unary     := NOT unary | '(' query ')' | nested | predicate
 *   nested    := IDENT '(' query ')'
 *   predicate := IDENT op value | IDENT IS [NOT] NULL
 *   value     := string | number | TRUE | FALSE | bareword | '(' value (',' value)* ')'
 *
 * AND, OR and NOT are reserved (they cannot be field names or barewords); every other word is
 * recognised by where it stands. Recursion happens only per '(' group or sub-query, which the
 * depth limit bounds; NOT chains, AND/OR chains and lists are loops. Whatever the input, the only
 * thing `parseTql` throws is a TqlError.
 */
import { DEFAULT_TQL_LIMITS, type TqlLimits, type TqlNode, type TqlOperator, type TqlValue } from './ast.js';
import { TqlError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

const SYMBOL_OPERATORS: Record<string, TqlOperator> = {
  '=': 'EQ', '==': 'EQ', '!=': 'NE', '<>': 'NE', '>': 'GT', '<': 'LT', '>=': 'GEQ', '<=': 'LEQ',
};

const WORD_OPERATORS: Record<string, TqlOperator> = {
  EQ: 'EQ', EQUALS: 'EQ', NE: 'NE', GT: 'GT', LT: 'LT', GEQ: 'GEQ', LEQ: 'LEQ',
  IN: 'IN', LIKE: 'LIKE', CONTAINS: 'CONTAINS', STARTSWITH: 'STARTSWITH', ENDSWITH: 'ENDSWITH',
};

/** Operators that may follow NOT. */
const NEGATABLE: Record<string, TqlOperator> = {
  IN: 'NOT IN', LIKE: 'NOT LIKE', CONTAINS: 'NOT CONTAINS', STARTSWITH: 'NOT STARTSWITH', ENDSWITH: 'NOT ENDSWITH',
};

const RESERVED = new Set(['AND', 'OR', 'NOT']);

/** Parses a TQL query into its syntax tree; throws TqlError (and nothing else) on any problem. */
export function parseTql(text: string, limits?: Partial<TqlLimits>): TqlNode {
  try {
    if (typeof text !== 'string') throw new TqlError('TQL query must be a string.', 0);
    const effective = resolveLimits(limits);
    if (text.length > effective.maxLength) {
      throw new TqlError(`TQL query is ${text.length} characters long; the limit is ${effective.maxLength}.`, effective.maxLength);
    }
    if (text.trim() === '') throw new TqlError('TQL query is empty.', 0);
    // PostgreSQL refuses text with NUL, so no dialect gets it: the same query fails alike everywhere.
    const nul = text.indexOf('\u0000');
    if (nul !== -1) throw new TqlError(`TQL cannot contain the NUL character (\\u0000); found at position ${nul + 1}.`, nul);
    return new Parser(tokenize(text), effective).parse();
  } catch (error) {
    if (error instanceof TqlError) throw error;
    // Only reachable with limits raised far beyond the defaults (a stack overflow) or a bug.
    const reason = error instanceof RangeError ? 'it is nested too deeply' : 'of an internal error';
    throw new TqlError(`TQL query could not be parsed because ${reason}.`, 0);
  }
}

function resolveLimits(limits: Partial<TqlLimits> | undefined): TqlLimits {
  const out: TqlLimits = { ...DEFAULT_TQL_LIMITS };
  if (limits) {
    for (const key of Object.keys(DEFAULT_TQL_LIMITS) as (keyof TqlLimits)[]) {
      const value = limits[key];
      if (typeof value === 'number' && !Number.isNaN(value)) out[key] = value;
    }
  }
  return out;
}

/** How a token is named in an error message. */
export function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'end of query';
  const raw = token.raw.length > 40 ? `${token.raw.slice(0, 40)}…` : token.raw;
  if (token.kind === 'string' || token.kind === 'unterminated') return `the string ${raw}`;
  return `"${raw}"`;
}

function syntaxError(position: number, detail: string): TqlError {
  return new TqlError(`Syntax error at position ${position + 1}: ${detail}.`, position);
}

class Parser {
  private index = 0;
  private depth = 0;
  private terms = 0;

  constructor(private readonly tokens: Token[], private readonly limits: TqlLimits) {}

  parse(): TqlNode {
    const node = this.parseOr();
    const token = this.peek();
    if (token.kind !== 'eof') {
      if (token.kind === 'rparen') throw syntaxError(token.position, 'found ")" with no matching "("');
      throw this.unexpected(token, 'expected AND, OR or end of query');
    }
    return node;
  }

  // ---- token helpers ----

  private peek(offset = 0): Token {
    const i = Math.min(this.index + offset, this.tokens.length - 1);
    return this.tokens[i]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private isWord(token: Token, word: string): boolean {
    return token.kind === 'ident' && token.raw.toUpperCase() === word;
  }

  /** "expected … but found …", or the unterminated-string error when that is what was found. */
  private unexpected(token: Token, expected: string, hint = ''): TqlError {
    if (token.kind === 'unterminated') {
      const quote = token.raw[0] === '"' ? 'double quote (")' : "single quote (')";
      return syntaxError(token.position, `expected a closing ${quote} for the string that starts here but found end of query`);
    }
    return syntaxError(token.position, `${expected} but found ${describeToken(token)}${hint}`);
  }

  private enter(paren: Token): void {
    this.depth++;
    if (this.depth > this.limits.maxDepth) {
      throw new TqlError(`TQL nesting is deeper than ${this.limits.maxDepth} levels at position ${paren.position + 1}.`, paren.position);
    }
  }

  private countTerm(at: Token): void {
    this.terms++;
    if (this.terms > this.limits.maxTerms) {
      throw new TqlError(`TQL query has more than ${this.limits.maxTerms} terms at position ${at.position + 1}.`, at.position);
    }
  }

  // ---- grammar ----

  private parseOr(): TqlNode {
    const terms = [this.parseAnd()];
    while (this.isWord(this.peek(), 'OR')) {
      const or = this.next();
      terms.push(this.parseAnd(or));
    }
    return terms.length === 1 ? terms[0]! : { kind: 'or', terms };
  }

  private parseAnd(after?: Token): TqlNode {
    const terms = [this.parseUnary(after)];
    while (this.isWord(this.peek(), 'AND')) {
      const and = this.next();
      terms.push(this.parseUnary(and));
    }
    return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
  }

  /** `after` is the token before this operand (AND, OR, NOT, "("), for error messages. */
  private parseUnary(after?: Token): TqlNode {
    let nots = 0;
    let previous = after;
    while (this.isWord(this.peek(), 'NOT')) {
      previous = this.next();
      nots++;
    }
    let node = this.parsePrimary(previous);
    for (let i = 0; i < nots; i++) node = { kind: 'not', operand: node };
    return node;
  }

  private parsePrimary(after: Token | undefined): TqlNode {
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.next();
      this.enter(token);
      const inner = this.parseOr();
      this.expectClose(token);
      this.depth--;
      return inner;
    }
    if (token.kind !== 'ident' || RESERVED.has(token.raw.toUpperCase())) {
      const where = after ? ` after "${after.raw}"` : '';
      throw this.unexpected(token, `expected a field name, NOT or "("${where}`);
    }
    this.next();
    this.countTerm(token);
    const following = this.peek();
    if (following.kind === 'lparen') {
      this.next();
      this.enter(following);
      const query = this.parseOr();
      this.expectClose(following);
      this.depth--;
      return { kind: 'nested', keyword: token.raw, keywordPosition: token.position, query };
    }
    if (this.isWord(following, 'IS')) {
      this.next();
      let negated = false;
      let last = following;
      if (this.isWord(this.peek(), 'NOT')) {
        last = this.next();
        negated = true;
      }
      const nul = this.peek();
      if (!this.isWord(nul, 'NULL')) {
        throw this.unexpected(nul, negated ? `expected NULL after "${following.raw} ${last.raw}"` : `expected NULL or NOT NULL after "${following.raw}"`);
      }
      this.next();
      return { kind: 'isNull', keyword: token.raw, keywordPosition: token.position, negated };
    }
    const { op, text } = this.parseOperator(token);
    const value = this.parseValue(text);
    return { kind: 'predicate', keyword: token.raw, keywordPosition: token.position, op, value };
  }

  private expectClose(open: Token): void {
    const token = this.peek();
    if (token.kind === 'rparen') {
      this.next();
      return;
    }
    throw this.unexpected(token, `expected AND, OR or ")" to close the "(" at position ${open.position + 1}`);
  }

  private parseOperator(field: Token): { op: TqlOperator; text: string } {
    const token = this.peek();
    if (token.kind === 'op') {
      this.next();
      return { op: SYMBOL_OPERATORS[token.raw]!, text: token.raw };
    }
    if (token.kind === 'ident') {
      const upper = token.raw.toUpperCase();
      const op = Object.hasOwn(WORD_OPERATORS, upper) ? WORD_OPERATORS[upper] : undefined;
      if (op) {
        this.next();
        return { op, text: token.raw };
      }
      if (upper === 'NOT') {
        this.next();
        const second = this.peek();
        const secondUpper = second.kind === 'ident' ? second.raw.toUpperCase() : '';
        const negated = Object.hasOwn(NEGATABLE, secondUpper) ? NEGATABLE[secondUpper] : undefined;
        if (!negated) throw this.unexpected(second, `expected IN, LIKE, CONTAINS, STARTSWITH or ENDSWITH after "${token.raw}"`);
        this.next();
        return { op: negated, text: `${token.raw} ${second.raw}` };
      }
    }
    throw this.unexpected(token, `expected an operator (such as =, !=, <, >, IN, LIKE, CONTAINS or IS NULL) after "${field.raw}"`);
  }

  private parseValue(opText: string): TqlValue {
    const token = this.peek();
    if (token.kind === 'lparen') return this.parseList(token);
    return this.parseScalar(`after "${opText}"`);
  }

  private parseScalar(where: string, list?: Token): TqlValue {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.next();
        return { kind: 'string', value: token.value!, position: token.position };
      case 'number':
        this.next();
        return { kind: 'number', value: Number(token.raw), raw: token.raw, position: token.position };
      case 'ident': {
        const upper = token.raw.toUpperCase();
        if (upper === 'TRUE' || upper === 'FALSE') {
          this.next();
          return { kind: 'boolean', value: upper === 'TRUE', position: token.position };
        }
        if (RESERVED.has(upper)) break;
        this.next();
        return { kind: 'string', value: token.raw, position: token.position }; // lenient bareword
      }
      default:
        break;
    }
    let hint = '';
    if (list && token.kind === 'rparen' && this.peek(-1) === list) hint = '; a list needs at least one item';
    else if (list && token.kind === 'lparen') hint = '; lists cannot contain lists';
    throw this.unexpected(token, `expected a value ${where}`, hint);
  }

  private parseList(open: Token): TqlValue {
    this.next();
    const items: TqlValue[] = [this.parseScalar('after "("', open)];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'rparen') {
        this.next();
        return { kind: 'list', items, position: open.position };
      }
      if (token.kind !== 'comma') {
        throw this.unexpected(token, `expected "," or ")" in the list started at position ${open.position + 1}`);
      }
      this.next();
      if (items.length >= this.limits.maxListItems) {
        const item = this.peek();
        throw new TqlError(`TQL list has more than ${this.limits.maxListItems} items at position ${item.position + 1}.`, item.position);
      }
      items.push(this.parseScalar('after ","', open));
    }
  }
}
