/**
 * STIX 2.1 patterns (STIX 2.1 §9, "STIX Patterning") as far as Cairn's indicators go: the pattern
 * of a stored indicator (`indicatorPattern`), and the indicators a pattern names
 * (`indicatorsOfPattern`) when it is one of the forms that map to Cairn indicator types:
 *
 * - one comparison `[ipv4-addr:value = '192.0.2.1']` (ipv4-addr / ipv6-addr → Address, or CIDR when
 *   the value has a prefix length; domain-name → Host; url → URL; email-addr → EmailAddress;
 *   autonomous-system:number → ASN; mutex:name → Mutex; email-message:subject → Email Subject;
 *   network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' → User Agent;
 *   x-cairn-hashtag:value → Hashtag, Cairn's own object for the one type STIX has none for);
 * - an AND of one file's hashes (`file:hashes.MD5`, `'SHA-1'`, `'SHA-256'`, each at most once) → one File;
 * - an AND of `windows-registry-key:key`, `…:values[*].name` and `…:values[*].data_type` → one
 *   Registry Key (Cairn's Registry Key has all three parts; a key alone is no Registry Key);
 * - an OR of such units, inside one observation (`[a OR b]`) or between observations (`[a] OR [b]`)
 *   → one indicator per unit.
 *
 * Anything else (qualifiers, FOLLOWEDBY, observation AND, NOT, other operators, other objects or
 * properties, syntax this parser does not know) is `undefined` here: the importer keeps the pattern
 * text as a Signature group (see import.ts), it never drops it. Parsing never throws, whatever the
 * text; a pattern longer than MAX_PATTERN_LENGTH is not parsed (kept as text).
 */
import { indicatorTypeNamed, readIndicatorValue } from '../../intel/indicator-types.js';

/** Patterns longer than this are kept as text without being parsed. */
export const MAX_PATTERN_LENGTH = 20_000;

/** An indicator a pattern names: its Cairn type and its value as Cairn normalises and summarises it. */
export interface PatternIndicator { type: string; summary: string }

// ---------------------------------------------------------------------------------------------
// Rendering

/** A STIX string literal: single quotes, with `\` and `'` escaped. */
export function stixString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_PATHS: Readonly<Record<string, string>> = { value1: "file:hashes.MD5", value2: "file:hashes.'SHA-1'", value3: "file:hashes.'SHA-256'" };
const USER_AGENT_PATH = "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'";

/**
 * The STIX pattern of a stored indicator of `type` with the stored columns `value1`–`value3`
 * (already normalised), or undefined for a type Cairn does not know.
 */
export function indicatorPattern(type: string, values: { value1: string | null; value2?: string | null; value3?: string | null }): string | undefined {
  const v1 = values.value1 ?? '';
  const isV6 = v1.includes(':');
  switch (type) {
    case 'Address': return `[${isV6 ? 'ipv6-addr' : 'ipv4-addr'}:value = ${stixString(v1)}]`;
    case 'CIDR': return `[${isV6 ? 'ipv6-addr' : 'ipv4-addr'}:value = ${stixString(v1)}]`;
    case 'Host': return `[domain-name:value = ${stixString(v1)}]`;
    case 'URL': return `[url:value = ${stixString(v1)}]`;
    case 'EmailAddress': return `[email-addr:value = ${stixString(v1)}]`;
    case 'ASN': return `[autonomous-system:number = ${Number(v1.replace(/^ASN/i, ''))}]`;
    case 'Mutex': return `[mutex:name = ${stixString(v1)}]`;
    case 'Email Subject': return `[email-message:subject = ${stixString(v1)}]`;
    case 'User Agent': return `[${USER_AGENT_PATH} = ${stixString(v1)}]`;
    case 'Hashtag': return `[x-cairn-hashtag:value = ${stixString(v1)}]`;
    case 'Registry Key':
      return `[windows-registry-key:key = ${stixString(v1)} AND windows-registry-key:values[*].name = ${stixString(values.value2 ?? '')} AND windows-registry-key:values[*].data_type = ${stixString(values.value3 ?? '')}]`;
    case 'File': {
      const parts = (['value1', 'value2', 'value3'] as const).filter((slot) => values[slot]).map((slot) => `${HASH_PATHS[slot]} = ${stixString(values[slot]!)}`);
      return parts.length === 0 ? undefined : `[${parts.join(' AND ')}]`;
    }
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Lexing

type Token =
  | { t: 'punct'; v: string }
  | { t: 'op'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: string }
  | { t: 'word'; v: string }
  | { t: 'other'; v: string };

class PatternSyntax extends Error {}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'IN', 'EXISTS', 'WITHIN', 'SECONDS', 'REPEATS', 'TIMES', 'START', 'STOP']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if ('[]():,.'.includes(c)) { tokens.push({ t: 'punct', v: c }); i++; continue; }
    if (c === '*') { tokens.push({ t: 'punct', v: c }); i++; continue; }
    const two = text.slice(i, i + 2);
    if (['!=', '<=', '>=', '=='].includes(two)) { tokens.push({ t: 'op', v: two === '==' ? '=' : two }); i += 2; continue; }
    if ('=<>'.includes(c)) { tokens.push({ t: 'op', v: c }); i++; continue; }
    // Typed literals (t'…', h'…', b'…') are values this mapping never takes: lexed as `other`.
    const typed = /^[thb]'/.exec(text.slice(i, i + 2));
    if (c === "'" || typed) {
      const start = typed ? i + 1 : i;
      let j = start + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new PatternSyntax('unterminated string');
        const d = text[j]!;
        if (d === '\\') {
          const next = text[j + 1];
          if (next !== '\\' && next !== "'") throw new PatternSyntax('bad escape');
          value += next;
          j += 2;
          continue;
        }
        if (d === "'") break;
        value += d;
        j++;
      }
      tokens.push(typed ? { t: 'other', v: value } : { t: 'str', v: value });
      i = j + 1;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i, i + 40));
    if (number) { tokens.push({ t: 'num', v: number[0] }); i += number[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i, i + 300));
    if (word) { tokens.push({ t: 'word', v: word[0] }); i += word[0].length; continue; }
    throw new PatternSyntax(`unexpected ${c}`);
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parsing: observation expressions of comparison expressions.

/** A comparison `path op value`; `supported` is false for everything this mapping does not take. */
interface Comparison { path: string; value: string; valueKind: 'str' | 'num'; supported: boolean }
/** A comparison expression: an OR of ANDs of comparisons (or nested expressions). */
type CompExpr = { or: CompExpr[] } | { and: CompExpr[] } | { cmp: Comparison };
/** An observation expression. */
type ObsExpr = { or: ObsExpr[] } | { unsupported: true } | { obs: CompExpr };

class Parser {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}

  #peek(offset = 0): Token | undefined { return this.tokens[this.#pos + offset]; }
  #isWord(v: string, offset = 0): boolean { const t = this.#peek(offset); return t?.t === 'word' && t.v.toUpperCase() === v; }
  #isPunct(v: string): boolean { const t = this.#peek(); return t?.t === 'punct' && t.v === v; }
  #expectPunct(v: string): void { if (!this.#isPunct(v)) throw new PatternSyntax(`expected ${v}`); this.#pos++; }

  parse(): ObsExpr {
    const expr = this.#observations();
    if (this.#pos !== this.tokens.length) throw new PatternSyntax('trailing tokens');
    return expr;
  }

  // observations := orExpr (FOLLOWEDBY orExpr)*
  #observations(): ObsExpr {
    let expr = this.#obsOr();
    while (this.#isWord('FOLLOWEDBY')) { this.#pos++; this.#obsOr(); expr = { unsupported: true }; }
    return expr;
  }

  #obsOr(): ObsExpr {
    const parts = [this.#obsAnd()];
    while (this.#isWord('OR')) { this.#pos++; parts.push(this.#obsAnd()); }
    return parts.length === 1 ? parts[0]! : { or: parts };
  }

  #obsAnd(): ObsExpr {
    let expr = this.#obsUnit();
    while (this.#isWord('AND')) { this.#pos++; this.#obsUnit(); expr = { unsupported: true }; }
    return expr;
  }

  #obsUnit(): ObsExpr {
    let expr: ObsExpr;
    if (this.#isPunct('[')) {
      this.#pos++;
      expr = { obs: this.#compOr() };
      this.#expectPunct(']');
    } else if (this.#isPunct('(')) {
      this.#pos++;
      expr = this.#observations();
      this.#expectPunct(')');
    } else {
      throw new PatternSyntax('expected [ or (');
    }
    // Qualifiers: START t'…' STOP t'…', WITHIN n SECONDS, REPEATS n TIMES.
    while (this.#isWord('START') || this.#isWord('WITHIN') || this.#isWord('REPEATS')) {
      const word = this.#peek()!.v.toUpperCase();
      this.#pos++;
      if (word === 'START') { this.#literal(); if (!this.#isWord('STOP')) throw new PatternSyntax('expected STOP'); this.#pos++; this.#literal(); }
      else { if (this.#peek()?.t !== 'num') throw new PatternSyntax('expected a number'); this.#pos++; if (!this.#isWord(word === 'WITHIN' ? 'SECONDS' : 'TIMES')) throw new PatternSyntax('expected a unit'); this.#pos++; }
      expr = { unsupported: true };
    }
    return expr;
  }

  #compOr(): CompExpr {
    const parts = [this.#compAnd()];
    while (this.#isWord('OR')) { this.#pos++; parts.push(this.#compAnd()); }
    return parts.length === 1 ? parts[0]! : { or: parts };
  }

  #compAnd(): CompExpr {
    const parts = [this.#compUnit()];
    while (this.#isWord('AND')) { this.#pos++; parts.push(this.#compUnit()); }
    return parts.length === 1 ? parts[0]! : { and: parts };
  }

  #compUnit(): CompExpr {
    if (this.#isPunct('(')) {
      this.#pos++;
      const inner = this.#compOr();
      this.#expectPunct(')');
      return inner;
    }
    if (this.#isWord('EXISTS')) { this.#pos++; const path = this.#path(); return { cmp: { path, value: '', valueKind: 'str', supported: false } }; }
    const path = this.#path();
    let negated = false;
    if (this.#isWord('NOT')) { negated = true; this.#pos++; }
    const token = this.#peek();
    if (token?.t === 'op') {
      this.#pos++;
      const value = this.#literal();
      const supported = !negated && token.v === '=' && (value.t === 'str' || value.t === 'num');
      return { cmp: { path, value: value.v, valueKind: value.t === 'num' ? 'num' : 'str', supported } };
    }
    if (token?.t === 'word' && ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(token.v.toUpperCase())) {
      this.#pos++;
      this.#literal();
      return { cmp: { path, value: '', valueKind: 'str', supported: false } };
    }
    if (token?.t === 'word' && token.v.toUpperCase() === 'IN') {
      this.#pos++;
      this.#expectPunct('(');
      this.#literal();
      while (this.#isPunct(',')) { this.#pos++; this.#literal(); }
      this.#expectPunct(')');
      return { cmp: { path, value: '', valueKind: 'str', supported: false } };
    }
    throw new PatternSyntax('expected a comparison operator');
  }

  #literal(): Token {
    const token = this.#peek();
    if (token && (token.t === 'str' || token.t === 'num' || token.t === 'other')) { this.#pos++; return token; }
    if (token?.t === 'word' && ['TRUE', 'FALSE'].includes(token.v.toUpperCase())) { this.#pos++; return { t: 'other', v: token.v }; }
    throw new PatternSyntax('expected a literal');
  }

  /** An object path in a canonical text: `type:a.'b c'[*].d` → `type:a.b c[*].d`. */
  #path(): string {
    const type = this.#peek();
    if (type?.t !== 'word' || KEYWORDS.has(type.v.toUpperCase())) throw new PatternSyntax('expected an object type');
    this.#pos++;
    this.#expectPunct(':');
    let path = `${type.v}:${this.#component()}`;
    for (;;) {
      if (this.#isPunct('.')) { this.#pos++; path += `.${this.#component()}`; continue; }
      if (this.#isPunct('[')) {
        const index = this.#peek(1);
        if (index?.t === 'punct' && index.v === '*') { this.#pos += 2; this.#expectPunct(']'); path += '[*]'; continue; }
        if (index?.t === 'num' && /^\d+$/.test(index.v)) { this.#pos += 2; this.#expectPunct(']'); path += `[${index.v}]`; continue; }
      }
      return path;
    }
  }

  #component(): string {
    const token = this.#peek();
    if (token?.t === 'word' || token?.t === 'str') { this.#pos++; return token.v; }
    throw new PatternSyntax('expected a property name');
  }
}

// ---------------------------------------------------------------------------------------------
// Mapping

/** The File hash slot a `file:hashes.X` path names (MD5, SHA-1, SHA-256 in their spellings). */
function hashKind(path: string): 'md5' | 'sha1' | 'sha256' | undefined {
  if (!path.startsWith('file:hashes.')) return undefined;
  const name = path.slice('file:hashes.'.length).toUpperCase().replace(/-/g, '');
  return name === 'MD5' ? 'md5' : name === 'SHA1' ? 'sha1' : name === 'SHA256' ? 'sha256' : undefined;
}

const SIMPLE_PATHS: Readonly<Record<string, string>> = {
  'ipv4-addr:value': 'Address',
  'ipv6-addr:value': 'Address',
  'domain-name:value': 'Host',
  'url:value': 'URL',
  'email-addr:value': 'EmailAddress',
  'mutex:name': 'Mutex',
  'email-message:subject': 'Email Subject',
  'network-traffic:extensions.http-request-ext.request_header.User-Agent': 'User Agent',
  'x-cairn-hashtag:value': 'Hashtag',
};

const REGISTRY_PARTS: Readonly<Record<string, 'value1' | 'value2' | 'value3'>> = {
  'windows-registry-key:key': 'value1',
  'windows-registry-key:values[*].name': 'value2',
  'windows-registry-key:values[0].name': 'value2',
  'windows-registry-key:values[*].data_type': 'value3',
  'windows-registry-key:values[0].data_type': 'value3',
};

/**
 * The raw value of a comparison's indicator (before Cairn's normalisation), by type: undefined
 * when the comparison names nothing Cairn holds.
 */
function simpleIndicator(cmp: Comparison): { type: string; value: string } | undefined {
  if (!cmp.supported) return undefined;
  if (cmp.path === 'autonomous-system:number') return cmp.valueKind === 'num' && /^\d+$/.test(cmp.value) ? { type: 'ASN', value: `ASN${cmp.value}` } : undefined;
  const type = SIMPLE_PATHS[cmp.path];
  if (!type || cmp.valueKind !== 'str') return undefined;
  if (type === 'Address' && cmp.value.includes('/')) return { type: 'CIDR', value: cmp.value };
  return { type, value: cmp.value };
}

/** Validates a value of `type` given by key (value1–value3) as Cairn would store it. */
export function normalizedIndicator(typeName: string, slots: Partial<Record<'value1' | 'value2' | 'value3', string>>): PatternIndicator | { problem: string } {
  const type = indicatorTypeNamed(typeName);
  if (!type) return { problem: `Cairn has no ${typeName} indicator type` };
  const read = readIndicatorValue(type, (k) => (slots[k.slot] === undefined ? undefined : { name: k.v3Key, value: slots[k.slot] }));
  if ('problems' in read) {
    const value = (['value1', 'value2', 'value3'] as const).map((slot) => slots[slot]).filter((v) => v !== undefined).join(' : ');
    return { problem: `${type.name} "${value.slice(0, 200)}" is not valid: ${read.problems.map((p) => `${p.field} ${p.message}`).join('; ')}` };
  }
  return { type: type.name, summary: read.value.summary };
}

/** One AND-unit (a list of comparisons) as one indicator, or undefined when it is none. */
function unitIndicator(comparisons: Comparison[]): { type: string; slots: Partial<Record<'value1' | 'value2' | 'value3', string>> } | undefined {
  if (comparisons.length === 0 || comparisons.some((c) => !c.supported || c.valueKind !== 'str' && c.path !== 'autonomous-system:number')) return undefined;
  if (comparisons.length === 1) {
    const simple = simpleIndicator(comparisons[0]!);
    if (simple) return { type: simple.type, slots: { value1: simple.value } };
  }
  if (comparisons.every((c) => hashKind(c.path) !== undefined)) {
    const slots: Partial<Record<'value1' | 'value2' | 'value3', string>> = {};
    for (const c of comparisons) {
      const slot = ({ md5: 'value1', sha1: 'value2', sha256: 'value3' } as const)[hashKind(c.path)!];
      if (slots[slot] !== undefined) return undefined;
      slots[slot] = c.value;
    }
    return { type: 'File', slots };
  }
  if (comparisons.every((c) => REGISTRY_PARTS[c.path] !== undefined)) {
    const slots: Partial<Record<'value1' | 'value2' | 'value3', string>> = {};
    for (const c of comparisons) {
      const slot = REGISTRY_PARTS[c.path]!;
      if (slots[slot] !== undefined) return undefined;
      slots[slot] = c.value;
    }
    return slots.value1 !== undefined && slots.value2 !== undefined && slots.value3 !== undefined ? { type: 'Registry Key', slots } : undefined;
  }
  return undefined;
}

/** The comparisons of an AND (nested ANDs flattened); undefined when an OR sits inside it. */
function andList(expr: CompExpr): Comparison[] | undefined {
  if ('cmp' in expr) return [expr.cmp];
  if ('and' in expr) {
    const all: Comparison[] = [];
    for (const part of expr.and) { const list = andList(part); if (!list) return undefined; all.push(...list); }
    return all;
  }
  return expr.or.length === 1 ? andList(expr.or[0]!) : undefined;
}

/** The OR alternatives of a comparison expression (nested ORs flattened). */
function orList(expr: CompExpr): CompExpr[] {
  return 'or' in expr ? expr.or.flatMap(orList) : [expr];
}

function obsAlternatives(expr: ObsExpr): CompExpr[] | undefined {
  if ('unsupported' in expr) return undefined;
  if ('obs' in expr) return orList(expr.obs);
  const all: CompExpr[] = [];
  for (const part of expr.or) { const list = obsAlternatives(part); if (!list) return undefined; all.push(...list); }
  return all;
}

/**
 * What a pattern names for Cairn: `indicators` when every alternative of the pattern is one Cairn
 * indicator (invalid values are `problems`, the others still named), undefined when the pattern is
 * not one of the supported forms (or not parsed): keep it as text. Never throws.
 */
export function indicatorsOfPattern(pattern: string): { indicators: PatternIndicator[]; problems: string[] } | undefined {
  if (typeof pattern !== 'string' || pattern.length > MAX_PATTERN_LENGTH) return undefined;
  let expr: ObsExpr;
  try {
    expr = new Parser(lex(pattern)).parse();
  } catch (error) {
    if (error instanceof PatternSyntax) return undefined;
    throw error;
  }
  const alternatives = obsAlternatives(expr);
  if (!alternatives) return undefined;
  const units: { type: string; slots: Partial<Record<'value1' | 'value2' | 'value3', string>> }[] = [];
  for (const alternative of alternatives) {
    const comparisons = andList(alternative);
    const unit = comparisons && unitIndicator(comparisons);
    if (!unit) return undefined;
    units.push(unit);
  }
  const indicators: PatternIndicator[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const unit of units) {
    const found = normalizedIndicator(unit.type, unit.slots);
    if ('problem' in found) { problems.push(found.problem); continue; }
    const key = `${found.type}\u0000${found.summary}`;
    if (seen.has(key)) continue;
    seen.add(key);
    indicators.push(found);
  }
  return { indicators, problems };
}

/** Whether `pattern` is syntactically a pattern this parser reads (supported form or not). */
export function parsesAsPattern(pattern: string): boolean {
  try {
    new Parser(lex(pattern)).parse();
    return true;
  } catch (error) {
    if (error instanceof PatternSyntax) return false;
    throw error;
  }
}
