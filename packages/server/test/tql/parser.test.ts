/**
 * TQL lexer, parser and printer: every operator spelling, precedence, sub-queries, values,
 * error positions and messages, limits, and fast-check properties (total on any input, printer
 * round trip, mutations, deep nesting).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_TQL_LIMITS, TQL_OPERATORS, type TqlNode, type TqlOperator, type TqlValue } from '../../src/tql/ast.js';
import { TqlError } from '../../src/tql/errors.js';
import { formatTql } from '../../src/tql/format.js';
import { tokenize } from '../../src/tql/lexer.js';
import { parseTql } from '../../src/tql/parser.js';

// ---- helpers ----

/** A deep copy without position fields, for comparing trees. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key !== 'position' && key !== 'keywordPosition') out[key] = strip(inner);
    }
    return out;
  }
  return value;
}

const parsed = (text: string): unknown => strip(parseTql(text));
const num = (raw: string) => ({ kind: 'number', value: Number(raw), raw });
const str = (value: string) => ({ kind: 'string', value });
const bool = (value: boolean) => ({ kind: 'boolean', value });
const list = (...items: unknown[]) => ({ kind: 'list', items });
const pred = (keyword: string, op: TqlOperator, value: unknown) => ({ kind: 'predicate', keyword, op, value });
const and = (...terms: unknown[]) => ({ kind: 'and', terms });
const or = (...terms: unknown[]) => ({ kind: 'or', terms });
const not = (operand: unknown) => ({ kind: 'not', operand });
const isNull = (keyword: string, negated: boolean) => ({ kind: 'isNull', keyword, negated });
const nested = (keyword: string, query: unknown) => ({ kind: 'nested', keyword, query });
const a1 = pred('a', 'EQ', num('1'));
const b2 = pred('b', 'EQ', num('2'));
const c3 = pred('c', 'EQ', num('3'));

/** Asserts parseTql throws a TqlError at `position` whose message equals or matches `message`. */
function assertTqlError(text: string, position: number, message: string | RegExp, limits?: Parameters<typeof parseTql>[1]): void {
  let caught: unknown;
  try {
    parseTql(text, limits);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TqlError, `expected a TqlError for ${JSON.stringify(text.slice(0, 80))}, got ${String(caught)}`);
  assert.equal(caught.position, position, `position for ${JSON.stringify(text.slice(0, 80))}: ${caught.message}`);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else assert.match(caught.message, message);
}

/** Calls parseTql and checks the outcome is a tree or a well-formed TqlError; returns the tree. */
function parseOrTqlError(text: string, limits?: Parameters<typeof parseTql>[1]): TqlNode | undefined {
  try {
    return parseTql(text, limits);
  } catch (error) {
    if (!(error instanceof TqlError)) throw new Error(`non-TqlError for ${JSON.stringify(text.slice(0, 200))}: ${String(error)}`);
    assert.ok(Number.isInteger(error.position), `position ${error.position} is an integer`);
    assert.ok(error.position >= 0 && error.position <= text.length, `position ${error.position} within 0..${text.length}: ${error.message}`);
    assert.match(error.message, /^(Syntax error at position \d+: .+|TQL .+)\.$/s);
    return undefined;
  }
}

// ---- table tests ----

describe('TQL operators', () => {
  const spellings: [string, TqlOperator][] = [
    ['=', 'EQ'], ['==', 'EQ'], ['EQ', 'EQ'], ['EQUALS', 'EQ'],
    ['!=', 'NE'], ['<>', 'NE'], ['NE', 'NE'],
    ['>', 'GT'], ['GT', 'GT'], ['<', 'LT'], ['LT', 'LT'],
    ['>=', 'GEQ'], ['GEQ', 'GEQ'], ['<=', 'LEQ'], ['LEQ', 'LEQ'],
    ['IN', 'IN'], ['NOT IN', 'NOT IN'], ['LIKE', 'LIKE'], ['NOT LIKE', 'NOT LIKE'],
    ['CONTAINS', 'CONTAINS'], ['NOT CONTAINS', 'NOT CONTAINS'],
    ['STARTSWITH', 'STARTSWITH'], ['NOT STARTSWITH', 'NOT STARTSWITH'],
    ['ENDSWITH', 'ENDSWITH'], ['NOT ENDSWITH', 'NOT ENDSWITH'],
  ];
  const mixed = (s: string) => [...s].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');

  it('covers every operator in the AST type', () => {
    assert.deepEqual(new Set(spellings.map(([, op]) => op)), new Set(TQL_OPERATORS));
  });

  for (const [spelling, op] of spellings) {
    const cases = /^[A-Z ]+$/.test(spelling) ? [spelling, spelling.toLowerCase(), mixed(spelling)] : [spelling];
    for (const written of cases) {
      it(`"${written}" is ${op}`, () => {
        assert.deepEqual(parsed(`field ${written} 5`), pred('field', op, num('5')));
        assert.deepEqual(parsed(`field  ${written.replace(' ', '   ')}\t"x"`), pred('field', op, str('x')));
        assert.deepEqual(parsed(`field ${written} (1, 2)`), pred('field', op, list(num('1'), num('2'))));
        if (!/[A-Za-z]/.test(written)) assert.deepEqual(parsed(`field${written}5`), pred('field', op, num('5')));
      });
    }
  }

  it('word operators run into quoted values and parentheses without spaces', () => {
    assert.deepEqual(parsed('a EQ"x"'), pred('a', 'EQ', str('x')));
    assert.deepEqual(parsed('a in(1)'), pred('a', 'IN', list(num('1'))));
    assert.deepEqual(parsed('a not in("x")'), pred('a', 'NOT IN', list(str('x'))));
  });

  it('keeps field spelling and positions', () => {
    const node = parseTql('  Type.Name_2 >= 4');
    assert.equal(node.kind, 'predicate');
    if (node.kind !== 'predicate') return;
    assert.equal(node.keyword, 'Type.Name_2');
    assert.equal(node.keywordPosition, 2);
    assert.equal(node.value.position, 17);
  });
});

describe('TQL structure', () => {
  const cases: [string, unknown][] = [
    ['a=1 or b=2 and c=3', or(a1, and(b2, c3))],
    ['a=1 and b=2 or c=3', or(and(a1, b2), c3)],
    ['a=1 AND b=2 AND c=3', and(a1, b2, c3)],
    ['a=1 Or b=2 oR c=3', or(a1, b2, c3)],
    ['(a=1 or b=2) and c=3', and(or(a1, b2), c3)],
    ['a=1 and (b=2 and c=3)', and(a1, and(b2, c3))],
    ['((a=1))', a1],
    ['( ( a = 1 ) )', a1],
    ['not a=1', not(a1)],
    ['NOT a=1 and b=2', and(not(a1), b2)],
    ['not (a=1 and b=2)', not(and(a1, b2))],
    ['NOT NOT a=1', not(not(a1))],
    ['a=1 or not b=2 and c=3', or(a1, and(not(b2), c3))],
    ['hasTag(name = "x")', nested('hasTag', pred('name', 'EQ', str('x')))],
    ['hasTag (name = "x")', nested('hasTag', pred('name', 'EQ', str('x')))],
    ['NOT hasTag(a=1 or b=2)', not(nested('hasTag', or(a1, b2)))],
    ['hasGroup(hasIndicator(a=1)) and c=3', and(nested('hasGroup', nested('hasIndicator', a1)), c3)],
    ['a is null', isNull('a', false)],
    ['a IS NOT NULL', isNull('a', true)],
    ['a Is nOt NuLl and b iS nULL', and(isNull('a', true), isNull('b', false))],
    ['not a is null', not(isNull('a', false))],
    // Words are only operators where an operator belongs: these are field names.
    ['in = 1', pred('in', 'EQ', num('1'))],
    ['is is null', isNull('is', false)],
    ['true = false', pred('true', 'EQ', bool(false))],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepEqual(parsed(text), expected));
  }
});

describe('TQL values', () => {
  const cases: [string, unknown][] = [
    ['a = "x y"', str('x y')],
    ["a = 'x y'", str('x y')],
    ['a = ""', str('')],
    ['a = "it\'s"', str("it's")],
    ["a = 'say \"hi\"'", str('say "hi"')],
    ['a = "say \\"hi\\""', str('say "hi"')],
    ["a = 'it\\'s'", str("it's")],
    ['a = "back\\\\slash"', str('back\\slash')],
    ['a = "tick\\`"', str('tick`')],
    ['a = "\\n\\d"', str('\\n\\d')],
    ['a = "ünï 😀 \n"', str('ünï 😀 \n')],
    ['a = 0', num('0')],
    ['a = 42', num('42')],
    ['a = -7', num('-7')],
    ['a = 3.25', num('3.25')],
    ['a = -0.5', num('-0.5')],
    ['a = 12345678901234567890', num('12345678901234567890')],
    ['a = True', bool(true)],
    ['a = FALSE', bool(false)],
    ['a = tRuE', bool(true)],
    ['a = "true"', str('true')],
    ['status = Open', str('Open')],
    ['status = in_progress.x', str('in_progress.x')],
    ['a in (1,2)', list(num('1'), num('2'))],
    ['a in ( "a" , \'b\' )', list(str('a'), str('b'))],
    ['a in (1)', list(num('1'))],
    ['a in (1, "x", true, Open, -2.5)', list(num('1'), str('x'), bool(true), str('Open'), num('-2.5'))],
  ];
  for (const [text, value] of cases) {
    it(JSON.stringify(text), () => {
      const node = parseTql(text);
      assert.equal(node.kind, 'predicate');
      if (node.kind === 'predicate') assert.deepEqual(strip(node.value), value);
    });
  }

  it('big integers keep their exact text in raw', () => {
    const node = parseTql('id = 9007199254740993');
    assert.ok(node.kind === 'predicate' && node.value.kind === 'number');
    if (node.kind === 'predicate' && node.value.kind === 'number') {
      assert.equal(node.value.raw, '9007199254740993');
      assert.equal(node.value.value, 9007199254740992);
    }
  });

  it('records value and list item positions', () => {
    const node = parseTql('x in ( 1 ,"b")');
    assert.ok(node.kind === 'predicate' && node.value.kind === 'list');
    if (node.kind === 'predicate' && node.value.kind === 'list') {
      assert.equal(node.value.position, 5);
      assert.deepEqual(node.value.items.map((item) => item.position), [7, 10]);
    }
  });
});

describe('TQL documentation queries', () => {
  const queries = [
    'typeName in ("Address", "Host")',
    'rating >= 4',
    'abuseIpdbConfidenceScore>=50',
    'threatAssessLastUpdated>"TODAY()" and threatAssessScore>=500',
    'typeName in ("Adversary") and tag in ("hacker")',
    'caseOpenTime GEQ "2023-02-01" and caseOpenTime LEQ "2023-02-28"',
    'techniqueId startswith "T1001"',
    'techniqueId is not null and associatedGroup EQ 11',
    'associatedIndicatorSource="API"',
    'hasGroup(id in (10,15)) AND associable=true',
    'completedTime > "NOW() - 1 HOUR"',
    'id!=2984993 AND hasGroup(typename="all" AND isGroup = false AND hasIndicator(id=2984993))',
    'name = "Phishing" and hasTask(status = "Open")',
  ];
  for (const text of queries) {
    it(text, () => {
      const ast = parseTql(text);
      assert.deepEqual(strip(parseTql(formatTql(ast))), strip(ast));
    });
  }

  it('builds the expected trees', () => {
    assert.deepEqual(parsed('typeName in ("Address", "Host")'), pred('typeName', 'IN', list(str('Address'), str('Host'))));
    assert.deepEqual(parsed('hasGroup(id in (10,15)) AND associable=true'),
      and(nested('hasGroup', pred('id', 'IN', list(num('10'), num('15')))), pred('associable', 'EQ', bool(true))));
    assert.deepEqual(parsed('id!=2984993 AND hasGroup(typename="all" AND isGroup = false AND hasIndicator(id=2984993))'),
      and(pred('id', 'NE', num('2984993')), nested('hasGroup', and(
        pred('typename', 'EQ', str('all')), pred('isGroup', 'EQ', bool(false)), nested('hasIndicator', pred('id', 'EQ', num('2984993')))))));
    assert.deepEqual(parsed('techniqueId is not null and associatedGroup EQ 11'),
      and(isNull('techniqueId', true), pred('associatedGroup', 'EQ', num('11'))));
  });
});

describe('TQL printer', () => {
  const cases: [string, string][] = [
    ['a==1 or b eq 2 and c EQUALS 3', 'a = 1 OR b = 2 AND c = 3'],
    ['(a=1 or b=2) and not (c=3)', '(a = 1 OR b = 2) AND NOT c = 3'],
    ['a=1 and (b=2 and c=3)', 'a = 1 AND (b = 2 AND c = 3)'],
    ['a=1 or (b=2 or c=3)', 'a = 1 OR (b = 2 OR c = 3)'],
    ['not not (a=1 or b=2)', 'NOT NOT (a = 1 OR b = 2)'],
    ["x not in ('a\"b', 'c\\\\d') and y is not null", 'x NOT IN ("a\\"b", "c\\\\d") AND y IS NOT NULL'],
    ['hasTag ( name like "%x%" )', 'hasTag(name LIKE "%x%")'],
    ['a <> TRUE', 'a != true'],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => assert.equal(formatTql(parseTql(text)), expected));
  }

  it('prints numbers in plain decimal when raw is missing or disagrees', () => {
    const at = (value: number, raw: string): TqlNode => ({ kind: 'predicate', keyword: 'a', keywordPosition: 0, op: 'EQ', value: { kind: 'number', value, raw, position: 0 } });
    assert.equal(formatTql(at(1e21, '')), 'a = 1000000000000000000000');
    assert.equal(formatTql(at(5e-7, 'x')), 'a = 0.0000005');
    assert.equal(formatTql(at(-1.5e-7, '')), 'a = -0.00000015');
    assert.equal(formatTql(at(12, '12')), 'a = 12');
  });

  it('refuses trees it cannot print as parseable TQL', () => {
    const bad: TqlNode[] = [
      { kind: 'isNull', keyword: 'and', keywordPosition: 0, negated: false },
      { kind: 'isNull', keyword: 'a b', keywordPosition: 0, negated: false },
      { kind: 'predicate', keyword: 'a', keywordPosition: 0, op: 'IN', value: { kind: 'list', items: [], position: 0 } },
      { kind: 'and', terms: [] },
    ];
    for (const node of bad) assert.throws(() => formatTql(node), TqlError);
  });
});

describe('TQL lexer', () => {
  it('produces positioned tokens ending in eof', () => {
    assert.deepEqual(tokenize('a>=-1 ,"x\\"y"').map((t) => [t.kind, t.raw, t.position]), [
      ['ident', 'a', 0], ['op', '>=', 1], ['number', '-1', 3], ['comma', ',', 6], ['string', '"x\\"y"', 7], ['eof', '', 13],
    ]);
  });
  it('never throws on bad input', () => {
    assert.deepEqual(tokenize('#😀"ab').map((t) => [t.kind, t.raw]), [['invalid', '#'], ['invalid', '😀'], ['unterminated', '"ab'], ['eof', '']]);
  });
});

// ---- errors ----

describe('TQL errors', () => {
  const cases: [string, number, string][] = [
    // missing value
    ['name = ', 7, 'Syntax error at position 8: expected a value after "=" but found end of query.'],
    ['(id = ) and x = 1', 6, 'Syntax error at position 7: expected a value after "=" but found ")".'],
    ['a GEQ and b = 1', 6, 'Syntax error at position 7: expected a value after "GEQ" but found "and".'],
    ['a not in', 8, 'Syntax error at position 9: expected a value after "not in" but found end of query.'],
    ['a = = 1', 4, 'Syntax error at position 5: expected a value after "=" but found "=".'],
    ['a = #', 4, 'Syntax error at position 5: expected a value after "=" but found "#".'],
    ['a = 12ab', 4, 'Syntax error at position 5: expected a value after "=" but found "12ab".'],
    // missing operator
    ['rating 4', 7, 'Syntax error at position 8: expected an operator (such as =, !=, <, >, IN, LIKE, CONTAINS or IS NULL) after "rating" but found "4".'],
    ['rating', 6, 'Syntax error at position 7: expected an operator (such as =, !=, <, >, IN, LIKE, CONTAINS or IS NULL) after "rating" but found end of query.'],
    ['a not 1', 6, 'Syntax error at position 7: expected IN, LIKE, CONTAINS, STARTSWITH or ENDSWITH after "not" but found "1".'],
    ['a is 1', 5, 'Syntax error at position 6: expected NULL or NOT NULL after "is" but found "1".'],
    ['a is not', 8, 'Syntax error at position 9: expected NULL after "is not" but found end of query.'],
    ['a ! 1', 2, 'Syntax error at position 3: expected an operator (such as =, !=, <, >, IN, LIKE, CONTAINS or IS NULL) after "a" but found "!".'],
    // missing term
    ['= 1', 0, 'Syntax error at position 1: expected a field name, NOT or "(" but found "=".'],
    ['a=1 and', 7, 'Syntax error at position 8: expected a field name, NOT or "(" after "and" but found end of query.'],
    ['a=1 or or b=2', 7, 'Syntax error at position 8: expected a field name, NOT or "(" after "or" but found "or".'],
    ['not', 3, 'Syntax error at position 4: expected a field name, NOT or "(" after "not" but found end of query.'],
    ['()', 1, 'Syntax error at position 2: expected a field name, NOT or "(" but found ")".'],
    ['"x" = 1', 0, 'Syntax error at position 1: expected a field name, NOT or "(" but found the string "x".'],
    // unbalanced parentheses
    ['(a=1', 4, 'Syntax error at position 5: expected AND, OR or ")" to close the "(" at position 1 but found end of query.'],
    ['((a=1) or b=2', 13, 'Syntax error at position 14: expected AND, OR or ")" to close the "(" at position 1 but found end of query.'],
    ['hasTag(a=1 b=2)', 11, 'Syntax error at position 12: expected AND, OR or ")" to close the "(" at position 7 but found "b".'],
    ['a=1)', 3, 'Syntax error at position 4: found ")" with no matching "(".'],
    ['(a=1)) or b=2', 5, 'Syntax error at position 6: found ")" with no matching "(".'],
    // unterminated strings: reported at the opening quote
    ['name = "Phish', 7, 'Syntax error at position 8: expected a closing double quote (") for the string that starts here but found end of query.'],
    ["name = 'it\\'s", 7, 'Syntax error at position 8: expected a closing single quote (\') for the string that starts here but found end of query.'],
    ['a = "x\\"', 4, 'Syntax error at position 5: expected a closing double quote (") for the string that starts here but found end of query.'],
    ['a = 1 and "b = 2', 10, 'Syntax error at position 11: expected a closing double quote (") for the string that starts here but found end of query.'],
    // trailing garbage
    ['a=1 b=2', 4, 'Syntax error at position 5: expected AND, OR or end of query but found "b".'],
    ['status = Open Closed', 14, 'Syntax error at position 15: expected AND, OR or end of query but found "Closed".'],
    ['a=1 , 2', 4, 'Syntax error at position 5: expected AND, OR or end of query but found ",".'],
    ['a=1 "x"', 4, 'Syntax error at position 5: expected AND, OR or end of query but found the string "x".'],
    // lists
    ['a in ()', 6, 'Syntax error at position 7: expected a value after "(" but found ")"; a list needs at least one item.'],
    ['a in (1,)', 8, 'Syntax error at position 9: expected a value after "," but found ")".'],
    ['a in (1 2)', 8, 'Syntax error at position 9: expected "," or ")" in the list started at position 6 but found "2".'],
    ['a in (1, 2', 10, 'Syntax error at position 11: expected "," or ")" in the list started at position 6 but found end of query.'],
    ['a in ((1))', 6, 'Syntax error at position 7: expected a value after "(" but found "("; lists cannot contain lists.'],
    // empty
    ['', 0, 'TQL query is empty.'],
    [' \t\n ', 0, 'TQL query is empty.'],
  ];
  for (const [text, position, message] of cases) {
    it(JSON.stringify(text), () => assertTqlError(text, position, message));
  }

  it('shortens very long tokens in messages', () => {
    assertTqlError(`a = 1 ${'x'.repeat(100)}`, 6, `Syntax error at position 7: expected AND, OR or end of query but found "${'x'.repeat(40)}…".`);
  });

  it('rejects a non-string query with a TqlError', () => {
    assert.throws(() => parseTql(undefined as unknown as string), TqlError);
  });
});

describe('TQL limits', () => {
  it('defaults', () => assert.deepEqual(DEFAULT_TQL_LIMITS, { maxLength: 8192, maxDepth: 16, maxListItems: 1000, maxTerms: 256 }));

  it('maxLength', () => {
    const long = `a = "${'x'.repeat(8994)}"`;
    assert.equal(long.length, 9000);
    assertTqlError(long, 8192, 'TQL query is 9000 characters long; the limit is 8192.');
    const ok = `a = "${'x'.repeat(8186)}"`;
    assert.equal(ok.length, 8192);
    assert.equal(parseTql(ok).kind, 'predicate');
    assertTqlError('a = 12345', 8, 'TQL query is 9 characters long; the limit is 8.', { maxLength: 8 });
  });

  it('maxDepth counts parentheses and sub-queries', () => {
    const ok = `${'('.repeat(16)}a=1${')'.repeat(16)}`;
    assert.deepEqual(parsed(ok), a1);
    assertTqlError(`${'('.repeat(17)}a=1${')'.repeat(17)}`, 16, 'TQL nesting is deeper than 16 levels at position 17.');
    // has(...) counts too: 8 groups + 8 sub-queries are fine, one more is not.
    const mixed = (n: number) => `${'(hasX('.repeat(n)}a=1${'))'.repeat(n)}`;
    assert.equal(parseTql(mixed(8)).kind, 'nested');
    assertTqlError(`x=1 and ${mixed(9)}`, 8 + 6 * 8, 'TQL nesting is deeper than 16 levels at position 57.');
    assertTqlError('(a=1) or ((b=2))', 10, 'TQL nesting is deeper than 1 levels at position 11.', { maxDepth: 1 });
    // List parentheses are not nesting.
    assert.equal(parseTql('(a in (1))', { maxDepth: 1 }).kind, 'predicate');
  });

  it('maxListItems', () => {
    const items = (n: number) => `a in (${Array.from({ length: n }, (_, i) => i).join(',')})`;
    const big = parseTql(items(1000));
    assert.ok(big.kind === 'predicate' && big.value.kind === 'list' && big.value.items.length === 1000);
    const text = items(1001);
    assertTqlError(text, text.lastIndexOf(',') + 1, `TQL list has more than 1000 items at position ${text.lastIndexOf(',') + 2}.`);
    assertTqlError('a in (1, 2, 3, 4)', 15, 'TQL list has more than 3 items at position 16.', { maxListItems: 3 });
  });

  it('maxTerms counts predicates, IS NULL tests and sub-queries', () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `f${i}=1`).join(' or ');
    const ok = parseTql(terms(256));
    assert.ok(ok.kind === 'or' && ok.terms.length === 256);
    const text = terms(257);
    assertTqlError(text, text.indexOf('f256'), `TQL query has more than 256 terms at position ${text.indexOf('f256') + 1}.`);
    assertTqlError('a is null and hasTag(b=1)', 21, 'TQL query has more than 2 terms at position 22.', { maxTerms: 2 });
    assert.equal(parseTql('a is null and hasTag(b=1)', { maxTerms: 3 }).kind, 'and');
  });

  it('undefined limits fall back to the defaults', () => {
    assertTqlError(`${'('.repeat(17)}a=1${')'.repeat(17)}`, 16, /deeper than 16 levels/, { maxDepth: undefined });
  });
});

// ---- properties ----

const KEYWORD = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,8}$/).filter((k) => !['AND', 'OR', 'NOT'].includes(k.toUpperCase()));
const FRAGMENTS = [
  '(', ')', ',', ' ', '  ', '\t', '\n', '=', '==', '!=', '<>', '>', '<', '>=', '<=', '!', '-', '.', '\\', '"', "'", '`',
  'and', 'OR', 'not', 'Not', 'in', 'IN', 'like', 'contains', 'startswith', 'endswith', 'is', 'null', 'NULL', 'eq', 'EQUALS',
  'geq', 'leq', 'true', 'FALSE', 'a', 'id', 'hasTag', 'hasGroup', 'x.y', '1', '-2', '3.5', '9007199254740993', '"x"', "'y'",
  '"a\\"b"', '"unterminated', '😀', '\u0000', '\uD800', '#',
];
const tokenSoup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 });
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  tokenSoup.map((parts) => parts.join('')),
  tokenSoup.map((parts) => parts.join(' ')),
);

const scalarArb: fc.Arbitrary<TqlValue> = fc.oneof(
  // NUL is not valid TQL anywhere (see the test below); every other character is.
  fc.string({ unit: 'binary', maxLength: 12 }).map((value) => ({ kind: 'string' as const, value: value.replaceAll('\u0000', ''), position: 0 })),
  fc.tuple(fc.boolean(), fc.stringMatching(/^\d{1,22}$/), fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }))
    .map(([negative, whole, fraction]) => {
      const raw = `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}`;
      return { kind: 'number' as const, value: Number(raw), raw, position: 0 };
    }),
  fc.boolean().map((value) => ({ kind: 'boolean' as const, value, position: 0 })),
);
const valueArb: fc.Arbitrary<TqlValue> = fc.oneof(
  scalarArb,
  fc.array(scalarArb, { minLength: 1, maxLength: 4 }).map((items) => ({ kind: 'list' as const, items, position: 0 })),
);
const OPERATOR_ARB = fc.constantFrom(...TQL_OPERATORS);

const { node: nodeArb } = fc.letrec<{ node: TqlNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'tql' },
    fc.record({ kind: fc.constant('predicate' as const), keyword: KEYWORD, keywordPosition: fc.constant(0), op: OPERATOR_ARB, value: valueArb }),
    fc.record({ kind: fc.constant('isNull' as const), keyword: KEYWORD, keywordPosition: fc.constant(0), negated: fc.boolean() }),
    fc.record({ kind: fc.constant('and' as const), terms: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('or' as const), terms: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
    fc.record({ kind: fc.constant('nested' as const), keyword: KEYWORD, keywordPosition: fc.constant(0), query: tie('node') }),
  ),
}));
const roomy = { maxLength: 1_000_000, maxDepth: 64, maxTerms: 100_000 };

describe('TQL properties', () => {
  it('any string parses or throws a TqlError, and what parses prints back to the same tree', () => {
    fc.assert(fc.property(anyString, (text) => {
      const ast = parseOrTqlError(text);
      if (ast) assert.deepEqual(strip(parseTql(formatTql(ast))), strip(ast));
    }), { numRuns: 3000 });
  });

  it('any tree prints to text that parses back to the same tree', () => {
    fc.assert(fc.property(nodeArb, (ast) => {
      const text = formatTql(ast);
      assert.deepEqual(strip(parseTql(text, roomy)), strip(ast), text);
      assert.equal(formatTql(parseTql(text, roomy)), text);
    }), { numRuns: 1000 });
  });

  it('mutated valid queries parse or throw a TqlError positioned inside the text', () => {
    const seeds = fc.oneof(
      fc.constantFrom(
        'typeName in ("Address", "Host")', 'threatAssessLastUpdated>"TODAY()" and threatAssessScore>=500',
        'id!=2984993 AND hasGroup(typename="all" AND isGroup = false AND hasIndicator(id=2984993))',
        'techniqueId is not null and associatedGroup EQ 11', "a not in ('x\\'y', 2) or not (b=1 and c is null)",
      ),
      nodeArb.map(formatTql),
    );
    const mutation = fc.tuple(fc.constantFrom('delete', 'insert', 'duplicate'), fc.nat(), fc.constantFrom(...FRAGMENTS, 'x', '0'));
    fc.assert(fc.property(seeds, fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
      let text = seed;
      for (const [kind, index, insert] of mutations) {
        const at = text.length === 0 ? 0 : index % (text.length + (kind === 'insert' ? 1 : 0));
        if (kind === 'delete') text = text.slice(0, at) + text.slice(at + 1);
        else if (kind === 'insert') text = text.slice(0, at) + insert + text.slice(at);
        else text = text.slice(0, at) + text.slice(at, at + 1) + text.slice(at);
      }
      parseOrTqlError(text, roomy);
    }), { numRuns: 2000 });
  });

  it('a NUL character anywhere is a TqlError at its position (PostgreSQL could not take it)', () => {
    fc.assert(fc.property(nodeArb, fc.nat(), (ast, index) => {
      const text = formatTql(ast);
      const at = index % (text.length + 1);
      const poisoned = `${text.slice(0, at)}\u0000${text.slice(at)}`;
      assert.throws(() => parseTql(poisoned, roomy), (error: unknown) => {
        assert.ok(error instanceof TqlError);
        assert.equal(error.position, at);
        assert.match(error.message, new RegExp(`NUL character .* position ${at + 1}\\.`));
        return true;
      });
    }), { numRuns: 300 });
  });

  it('deep nesting throws a TqlError, never a RangeError', () => {
    const deep = [
      '('.repeat(100_000),
      `${'('.repeat(100_000)}a=1${')'.repeat(100_000)}`,
      `${'hasTag('.repeat(50_000)}a=1`,
      `a in ${'('.repeat(100_000)}`,
      `${'not '.repeat(50_000)}(`,
    ];
    for (const text of deep) {
      for (const limits of [undefined, { maxLength: Infinity }, { maxLength: Infinity, maxDepth: Infinity }]) {
        assert.throws(() => parseTql(text, limits), (error: unknown) => {
          assert.ok(error instanceof TqlError, `${String(error)} for ${text.slice(0, 20)}… with ${JSON.stringify(limits)}`);
          assert.ok(error.position >= 0 && error.position <= text.length);
          return true;
        });
      }
    }
    assertTqlError('('.repeat(100_000), 16, 'TQL nesting is deeper than 16 levels at position 17.', { maxLength: Infinity });
  });

  it('long NOT and AND chains are loops, not recursion', () => {
    const nots = `${'NOT '.repeat(100_000)}a = 1`;
    const ast = parseTql(nots, { maxLength: Infinity });
    assert.ok(formatTql(ast) === nots, 'NOT chain prints back unchanged');
    const ands = Array.from({ length: 50_000 }, () => 'a=1').join(' and ');
    const chain = parseTql(ands, { maxLength: Infinity, maxTerms: Infinity });
    assert.ok(chain.kind === 'and' && chain.terms.length === 50_000);
  });
});
