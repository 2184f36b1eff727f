/**
 * Canonical TQL printer: upper-case keywords and symbolic operators, double-quoted strings,
 * parentheses only where the tree needs them. `parseTql(formatTql(ast))` equals `ast` apart from
 * positions, for every well-formed tree (and/or with at least two terms, list items never lists,
 * field names that are identifiers other than AND, OR and NOT).
 */
import type { TqlNode, TqlOperator, TqlValue } from './ast.js';
import { TqlError } from './errors.js';

const OPERATOR_TEXT: Record<TqlOperator, string> = {
  EQ: '=', NE: '!=', GT: '>', LT: '<', GEQ: '>=', LEQ: '<=',
  IN: 'IN', 'NOT IN': 'NOT IN', LIKE: 'LIKE', 'NOT LIKE': 'NOT LIKE',
  CONTAINS: 'CONTAINS', 'NOT CONTAINS': 'NOT CONTAINS',
  STARTSWITH: 'STARTSWITH', 'NOT STARTSWITH': 'NOT STARTSWITH',
  ENDSWITH: 'ENDSWITH', 'NOT ENDSWITH': 'NOT ENDSWITH',
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const RESERVED = new Set(['AND', 'OR', 'NOT']);

export function formatTql(node: TqlNode): string {
  switch (node.kind) {
    case 'and':
    case 'or': {
      if (node.terms.length === 0) throw new TqlError(`Cannot print an empty ${node.kind.toUpperCase()} group as TQL.`, 0);
      // A same-kind child needs parentheses or it would be flattened into this chain; an OR
      // inside an AND needs them for precedence. An AND inside an OR does not.
      return node.terms
        .map((term) => (term.kind === node.kind || term.kind === 'or' ? `(${formatTql(term)})` : formatTql(term)))
        .join(node.kind === 'and' ? ' AND ' : ' OR ');
    }
    case 'not': {
      // Loop rather than recurse so long NOT NOT … chains cannot exhaust the stack.
      let prefix = 'NOT ';
      let operand = node.operand;
      while (operand.kind === 'not') {
        prefix += 'NOT ';
        operand = operand.operand;
      }
      const inner = formatTql(operand);
      return prefix + (operand.kind === 'and' || operand.kind === 'or' ? `(${inner})` : inner);
    }
    case 'predicate':
      return `${field(node.keyword)} ${OPERATOR_TEXT[node.op]} ${formatValue(node.value, false)}`;
    case 'isNull':
      return `${field(node.keyword)} IS ${node.negated ? 'NOT NULL' : 'NULL'}`;
    case 'nested':
      return `${field(node.keyword)}(${formatTql(node.query)})`;
  }
}

function field(keyword: string): string {
  if (!IDENT.test(keyword) || RESERVED.has(keyword.toUpperCase())) {
    throw new TqlError(`Cannot print ${JSON.stringify(keyword)} as a TQL field name.`, 0);
  }
  return keyword;
}

function formatValue(value: TqlValue, inList: boolean): string {
  switch (value.kind) {
    case 'string':
      return `"${value.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'number':
      return formatNumber(value.value, value.raw);
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'list':
      if (inList) throw new TqlError('Cannot print a list inside a list as TQL.', 0);
      if (value.items.length === 0) throw new TqlError('Cannot print an empty list as TQL.', 0);
      return `(${value.items.map((item) => formatValue(item, true)).join(', ')})`;
  }
}

/** The raw text when it is valid and agrees with the value, else the value in plain decimal. */
function formatNumber(value: number, raw: string): string {
  if (typeof raw === 'string' && NUMBER.test(raw) && Object.is(Number(raw), value)) return raw;
  if (!Number.isFinite(value)) throw new TqlError(`Cannot print the number ${value} as TQL.`, 0);
  const text = String(value);
  if (!text.includes('e')) return text;
  // Expand exponent notation (1e+21, 5e-7) into digits, which is all the lexer accepts.
  const negative = text.startsWith('-');
  const [mantissa, exponent] = (negative ? text.slice(1) : text).split('e') as [string, string];
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot === -1 ? mantissa.length : dot) + Number(exponent);
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}
