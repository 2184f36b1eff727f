/**
 * The v2 query (spec threatconnect.md §4.3), one TypeBox schema every v2 route takes, and its reading:
 *   resultStart (default 0), resultLimit (default 100, ≤ 10000), owner (repeatable, a union; `+` and
 *   `%20` are spaces; default the caller's organization), filters + orParams (§4.4, see filters.ts),
 *   modifiedSince (ISO date), includeTags / includeAttributes / includeAdditional (`true`, any case)
 *   and includes=additional|tags|attributes|labels (repeatable or comma-separated), createActivityLog
 *   (accepted, ignored). Clients send the paging parameters to every route (the JS SDK adds
 *   resultLimit=10000 even to writes); routes that do not page ignore them.
 *
 * Parameter names are read in any case (`Owner=` as the v2 docs sign it).
 *
 * Exports: V2ListQuery (the schema), readV2Query (→ V2Query), v2OwnersOf(request) / v2Owners
 * (the owners a request names, checked against the caller's), parseBooleanText, parseV2Date.
 */
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import type { Principal } from '../../../core/principal.js';

export const V2_DEFAULT_RESULT_LIMIT = 100;
export const V2_MAX_RESULT_LIMIT = 10_000;
const MAX_OWNERS = 50;

const BooleanText = (description: string) => Type.Optional(Type.String({ maxLength: 16, description: `${description} (true or false, any case)` }));
const Repeatable = (maxLength: number, description: string) => Type.Optional(Type.Union([
  Type.String({ maxLength }),
  Type.Array(Type.String({ maxLength }), { maxItems: MAX_OWNERS }),
], { description }));

/** The query every v2 route accepts (unknown parameters are tolerated: clients add their own). */
export const V2ListQuery = Type.Object({
  resultStart: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'The first item of the page (default 0); resultCount is given only when it is 0' })),
  resultLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: V2_MAX_RESULT_LIMIT, description: 'Items per page (default 100, at most 10000)' })),
  owner: Repeatable(256, 'An owner name (repeatable: the union); default the caller\'s organization'),
  filters: Repeatable(4096, 'field<op>value terms joined by commas; ops = < > ^ (spec §4.4)'),
  orParams: BooleanText('OR the filter terms instead of AND'),
  modifiedSince: Type.Optional(Type.String({ maxLength: 64, description: 'Only items modified since this ISO 8601 date' })),
  includeTags: BooleanText('Embed tag[] in each item'),
  includeAttributes: BooleanText('Embed attribute[] in each item'),
  includeAdditional: BooleanText('Add the additional fields'),
  includes: Repeatable(256, 'additional, tags, attributes, labels (repeatable or comma-separated)'),
  createActivityLog: BooleanText('Accepted and ignored'),
}, { additionalProperties: true });

export type V2ListQueryType = Static<typeof V2ListQuery>;

export type V2Include = 'additional' | 'tags' | 'attributes' | 'labels';
const INCLUDES: readonly V2Include[] = ['additional', 'tags', 'attributes', 'labels'];

/** What a v2 request asks for, read and checked once. */
export interface V2Query {
  resultStart: number;
  resultLimit: number;
  /** Names of the owners read (checked visible); the caller's organization when none is named. */
  owners: string[];
  /** The raw `filters` terms (comma-joined when repeated), parsed by filters.ts. */
  filters: string | undefined;
  orParams: boolean;
  /** Stored-time form (ISO, UTC) of `modifiedSince`. */
  modifiedSince: string | undefined;
  includes: ReadonlySet<V2Include>;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** `true`/`True`/`TRUE` → true, `false` (any case) → false, absent → undefined; anything else is a 400 naming the parameter. */
export function parseBooleanText(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new CairnError('bad-request', `${name} must be true or false; got "${value.slice(0, 32)}".`);
}

/**
 * `modifiedSince`: an ISO 8601 date or time (`2017-10-31`, `2017-10-31T16:55:44Z`, with an offset or
 * milliseconds), or the date without separators (`20171031`). Anything else is a 400 naming it.
 */
export function parseV2Date(name: string, text: string): string {
  const trimmed = text.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(trimmed);
  const match = compact ?? /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(trimmed);
  let time = NaN;
  if (match) {
    const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match as unknown as string[];
    const two = (v: string) => v!.padStart(2, '0');
    const offset = zone!.toUpperCase() === 'Z' ? 'Z' : `${zone!.slice(0, 3)}:${zone!.slice(-2)}`;
    const iso = `${year}-${two(month!)}-${two(day!)}T${two(hour)}:${two(minute)}:${two(second)}${fraction.slice(0, 4)}${offset}`;
    const parsed = Date.parse(iso);
    // Date.parse rolls 2017-02-31 over to March: a date must read back as written.
    if (Number.isFinite(parsed) && Number(month) >= 1 && Number(month) <= 12 && Number(day) >= 1 && Number(day) <= new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate() && Number(hour) < 24 && Number(year) >= 1900) time = parsed;
  }
  if (!Number.isFinite(time)) throw new CairnError('bad-request', `${name} must be an ISO 8601 date such as 2017-10-31 or 2017-10-31T16:55:44Z; got "${text.slice(0, 64)}".`);
  return new Date(time).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * The owners a request names (`owner`, repeatable), each one the caller can see; the caller's
 * organization when none is named. An owner the caller cannot see is as unknown as one that does
 * not exist: 403 "The requested owner was not found" (spec §4.3: 403 = owner missing or inaccessible).
 */
export function v2Owners(principal: Principal, owner: string | string[] | undefined): string[] {
  const names = list(owner).map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) return [principal.organizationName];
  const seen = new Set<string>();
  for (const name of names) {
    const found = principal.visibleOwners.find((o) => o.name === name) ?? principal.visibleOwners.find((o) => o.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new CairnError('forbidden', 'The requested owner was not found');
    seen.add(found.name);
  }
  return [...seen];
}

const CANONICAL = new Map(Object.keys(V2ListQuery.properties).map((name) => [name.toLowerCase(), name]));

/**
 * The query with the v2 parameters under their documented names whatever their case (the v2 docs
 * sign `?Owner=Common%20Community`): values of `Owner` join those of `owner`. A spelling the schema
 * did not see is bounded here as the schema bounds the documented one.
 */
function canonicalQuery(request: FastifyRequest): V2ListQueryType {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  let query: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(raw)) {
    const name = CANONICAL.get(key.toLowerCase());
    if (name === undefined || name === key) continue;
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (values.length > MAX_OWNERS || values.some((v) => v.length > 4096)) throw new CairnError('bad-request', `The parameter ${key.slice(0, 40)} takes at most ${MAX_OWNERS} values of at most 4096 characters.`);
    query ??= { ...raw };
    const existing = query[name];
    const merged = [...(existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)]), ...values];
    if (name === 'resultStart' || name === 'resultLimit') {
      const number = Number(merged[merged.length - 1]);
      const [min, max] = name === 'resultStart' ? [0, 2_147_483_647] : [1, V2_MAX_RESULT_LIMIT];
      if (!Number.isInteger(number) || number < min || number > max) throw new CairnError('bad-request', `${name} must be a whole number from ${min} to ${max}.`);
      query[name] = number;
    } else {
      query[name] = merged.length === 1 ? merged[0] : merged;
    }
  }
  return (query ?? raw) as V2ListQueryType;
}

/** The owners the request's `owner` (or `Owner`) names, as v2Owners checks them. */
export function v2OwnersOf(request: FastifyRequest): string[] {
  return v2Owners(request.principal, canonicalQuery(request).owner);
}

/** The owners a write names (`owner=`, `Owner=`), checked visible; undefined when it names none. */
export function v2NamedOwnersOf(request: FastifyRequest): string[] | undefined {
  const owner = canonicalQuery(request).owner;
  if (owner === undefined || (Array.isArray(owner) && owner.length === 0)) return undefined;
  return v2Owners(request.principal, owner);
}

/** Reads and checks the v2 query of a request (schema-validated already: bounds and types). */
export function readV2Query(request: FastifyRequest): V2Query {
  const query = canonicalQuery(request);
  const includes = new Set<V2Include>();
  if (parseBooleanText('includeTags', query.includeTags)) includes.add('tags');
  if (parseBooleanText('includeAttributes', query.includeAttributes)) includes.add('attributes');
  if (parseBooleanText('includeAdditional', query.includeAdditional)) includes.add('additional');
  for (const word of list(query.includes).flatMap((v) => v.split(',')).map((w) => w.trim()).filter(Boolean)) {
    const known = INCLUDES.find((i) => i === word.toLowerCase());
    if (!known) throw new CairnError('bad-request', `includes takes ${INCLUDES.join(', ')}; got "${word.slice(0, 32)}".`);
    includes.add(known);
  }
  parseBooleanText('createActivityLog', query.createActivityLog);
  const filters = list(query.filters).filter((f) => f !== '');
  return {
    resultStart: query.resultStart ?? 0,
    resultLimit: query.resultLimit ?? V2_DEFAULT_RESULT_LIMIT,
    owners: v2Owners(request.principal, query.owner),
    filters: filters.length === 0 ? undefined : filters.join(','),
    orParams: parseBooleanText('orParams', query.orParams) ?? false,
    modifiedSince: query.modifiedSince === undefined || query.modifiedSince === '' ? undefined : parseV2Date('modifiedSince', query.modifiedSince),
    includes,
  };
}
