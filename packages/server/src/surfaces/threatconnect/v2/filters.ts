/**
 * v2 `filters` + `orParams` (spec threatconnect.md §4.4), translated to TQL so that the v3 engine
 * runs every list: one query path, the same owner scoping, no second SQL builder.
 *
 *   filters=<field><op><value>[,<field><op><value>]*   ops: = < > ^ (starts with); ',' = AND
 *   orParams=true                                      OR the terms instead
 *
 * Each entity has a table of the fields it filters on, with the operators each takes, the kind of
 * value (boolean, number, date, text) and the TQL keyword it becomes. Decisions:
 * - A field of the v2 documents that Cairn does not keep (threatAssess*, the geolocation of an
 *   Address: city, countryCode, …) is a 400 naming it, never a filter that silently matches nothing
 *   or everything; so is a field the entity's v3 declaration has no TQL keyword for (yet).
 * - Dates take ISO 8601 or the date without separators (`dateAdded>20151202`).
 * - Terms split at a comma that starts another `<field><op>` term; other commas stay in the value
 *   (`summary=a,b` is one term with the value `a,b`).
 * - Text values become TQL string literals (quoted, escaped): a value never becomes TQL syntax.
 *
 * Exports: parseV2Filters(text) → V2FilterTerm[]; formatV2Filters(terms); v2FiltersToTql(entity,
 * resource, terms, orParams) → TQL text; INDICATOR_FILTERS, GROUP_FILTERS.
 */
import { CairnError } from '../../../core/errors.js';
import { keywordKey } from '../../../resources/define.js';
import type { ResourceDefinition } from '../../../resources/types.js';
import { tqlString } from './intel-items.js';
import { parseV2Date } from './v2-params.js';

export type V2FilterOp = '=' | '<' | '>' | '^';
export interface V2FilterTerm { field: string; op: V2FilterOp; value: string }

export const MAX_FILTER_TERMS = 20;
const MAX_VALUE_LENGTH = 1024;
const OPS = new Set<string>(['=', '<', '>', '^']);
const TERM = /^([A-Za-z][A-Za-z0-9]{0,63})([=<>^])([\s\S]*)$/;
/** A comma that starts another term: `,field<op>`. */
const TERM_BOUNDARY = /,(?=[A-Za-z][A-Za-z0-9]{0,63}[=<>^])/;

const bad = (message: string) => new CairnError('bad-request', message);

/** `summary=example.com,dateAdded<2015-10-15` → terms; a malformed term is a 400 quoting it. */
export function parseV2Filters(text: string): V2FilterTerm[] {
  if (text.trim() === '') return [];
  const parts = text.split(TERM_BOUNDARY);
  if (parts.length > MAX_FILTER_TERMS) throw bad(`filters takes at most ${MAX_FILTER_TERMS} terms; got ${parts.length}.`);
  return parts.map((part) => {
    const match = TERM.exec(part);
    if (!match) throw bad(`filters: "${part.slice(0, 80)}" is not <field><op><value> with op one of = < > ^.`);
    const [, field, op, value] = match as unknown as [string, string, V2FilterOp, string];
    if (value === '') throw bad(`filters: ${field} needs a value after "${op}".`);
    if (value.length > MAX_VALUE_LENGTH) throw bad(`filters: the value of ${field} is longer than ${MAX_VALUE_LENGTH} characters.`);
    if (value.includes('\u0000')) throw bad(`filters: the value of ${field} contains a NUL character.`);
    return { field, op, value };
  });
}

/** The inverse of parseV2Filters (for terms whose values do not themselves start a term after a comma). */
export function formatV2Filters(terms: readonly V2FilterTerm[]): string {
  return terms.map((t) => `${t.field}${t.op}${t.value}`).join(',');
}

type ValueKind = 'boolean' | 'number' | 'date' | 'text';
/** A filter field: its operators, value kind, and the v3 TQL keyword it becomes (`unsupported`: a reason for 400). */
interface FilterField { ops: readonly V2FilterOp[]; kind: ValueKind; keyword?: string; unsupported?: string }

const NOT_KEPT = 'Cairn does not keep this field';
const unsupported = (ops: readonly V2FilterOp[]): FilterField => ({ ops, kind: 'text', unsupported: NOT_KEPT });

/** Indicators (spec §4.4), every type. */
export const INDICATOR_FILTERS: Readonly<Record<string, FilterField>> = {
  active: { ops: ['='], kind: 'boolean', keyword: 'active' },
  summary: { ops: ['=', '^'], kind: 'text', keyword: 'summary' },
  dateAdded: { ops: ['<', '>'], kind: 'date', keyword: 'dateAdded' },
  lastModified: { ops: ['<', '>'], kind: 'date', keyword: 'lastModified' },
  rating: { ops: ['=', '<', '>'], kind: 'number', keyword: 'rating' },
  confidence: { ops: ['=', '<', '>'], kind: 'number', keyword: 'confidence' },
  falsePositive: { ops: ['=', '<', '>'], kind: 'number', keyword: 'falsePositiveCount' },
  threatAssessRating: unsupported(['<', '>']),
  threatAssessConfidence: unsupported(['<', '>']),
  threatAssessScore: unsupported(['=', '<', '>']),
  // Address geolocation: Cairn does no enrichment.
  city: unsupported(['=']), countryCode: unsupported(['=']), countryName: unsupported(['=']), organization: unsupported(['=']),
  state: unsupported(['=']), timezone: unsupported(['=']), asn: unsupported(['=']),
  // Host.
  whoisActive: { ops: ['='], kind: 'boolean', keyword: 'hostWhoisActive' },
  dnsActive: { ops: ['='], kind: 'boolean', keyword: 'hostDnsActive' },
};

/** Groups (spec §4.4), every type. */
export const GROUP_FILTERS: Readonly<Record<string, FilterField>> = {
  name: { ops: ['=', '^'], kind: 'text', keyword: 'name' },
  dateAdded: { ops: ['<', '>'], kind: 'date', keyword: 'dateAdded' },
  lastModified: { ops: ['<', '>'], kind: 'date', keyword: 'lastModified' },
  firstSeen: { ops: ['<', '>'], kind: 'date', keyword: 'firstSeen' },
  eventDate: { ops: ['<', '>'], kind: 'date', keyword: 'eventDate' },
  fileType: { ops: ['='], kind: 'text', keyword: 'fileType' },
};

const TQL_OP: Record<V2FilterOp, string> = { '=': '=', '<': '<', '>': '>', '^': 'STARTSWITH' };

function literal(field: string, kind: ValueKind, value: string): string {
  switch (kind) {
    case 'boolean': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw bad(`filters: ${field} takes true or false; got "${value.slice(0, 40)}".`);
      return lower;
    }
    case 'number':
      if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(value)) throw bad(`filters: ${field} takes a number; got "${value.slice(0, 40)}".`);
      return String(Number(value));
    case 'date':
      return tqlString(parseV2Date(`filters: ${field}`, value));
    case 'text':
      return tqlString(value);
  }
}

/** The table an entity filters with, case-insensitive names. */
function lookUp(table: Readonly<Record<string, FilterField>>, field: string): [string, FilterField] | undefined {
  const name = Object.keys(table).find((k) => k.toLowerCase() === field.toLowerCase());
  return name === undefined ? undefined : [name, table[name]!];
}

/**
 * Terms → TQL over `resource` (AND, or OR with orParams), or undefined when there are none. A field
 * not in the entity's table, an operator it does not take, a value of the wrong kind, a field Cairn
 * does not keep, or one the declaration has no TQL keyword for: a 400 naming it.
 */
export function v2FiltersToTql(entity: 'indicator' | 'group', resource: ResourceDefinition, terms: readonly V2FilterTerm[], orParams: boolean): string | undefined {
  if (terms.length === 0) return undefined;
  const table = entity === 'indicator' ? INDICATOR_FILTERS : GROUP_FILTERS;
  const conditions = terms.map((term) => {
    const found = lookUp(table, term.field);
    if (!found) throw bad(`filters: ${entity}s cannot be filtered by "${term.field}"; they can by ${Object.entries(table).filter(([, f]) => !f.unsupported).map(([n]) => n).join(', ')}.`);
    const [name, field] = found;
    if (field.unsupported || !field.keyword || !resource.tqlByKey.has(keywordKey(field.keyword))) {
      throw bad(`filters: ${name} is not supported (${field.unsupported ?? 'Cairn does not filter on it yet'}).`);
    }
    if (!field.ops.includes(term.op)) throw bad(`filters: ${name} takes ${field.ops.join(' ')}; got "${term.op}".`);
    return `${field.keyword} ${TQL_OP[term.op]} ${literal(name, field.kind, term.value)}`;
  });
  return conditions.length === 1 ? conditions[0] : `(${conditions.join(orParams ? ' or ' : ' and ')})`;
}

/** Whether the terms name `field` (an indicator list shows active indicators only unless a filter names `active`). */
export function filtersName(terms: readonly V2FilterTerm[], field: string): boolean {
  return terms.some((t) => t.field.toLowerCase() === field.toLowerCase());
}

export { OPS as V2_FILTER_OPS };
