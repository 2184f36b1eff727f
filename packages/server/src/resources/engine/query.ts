/** Building the list query: the rows' select, the owner-scoped TQL condition, and the order. */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { CairnError } from '../../core/errors.js';
import type { TqlNode } from '../../tql/ast.js';
import { parseTql } from '../../tql/parser.js';
import { keywordKey } from '../define.js';
import type { ResourceDefinition } from '../types.js';
import type { EngineContext } from './context.js';
import { ownerCondition } from './owners.js';
import { compileTql } from './tql.js';

/**
 * `select t0.*` plus the declaration's extra columns (scalar sub-queries over the row), each
 * parenthesised as TQL parenthesises a computed keyword: a declaration may write `select …` bare.
 */
export function selectRows(db: Kysely<any>, resource: ResourceDefinition, selection?: Selection) {
  const columns = selection?.columns;
  let query = columns === undefined
    ? db.selectFrom(`${resource.table} as t0`).selectAll('t0')
    : db.selectFrom(`${resource.table} as t0`).select(columns.map((column) => `t0.${column}`));
  for (const [name, expression] of Object.entries(resource.extraColumns ?? {})) {
    if (selection?.extra === undefined || selection.extra.has(name)) query = query.select(sql`(${expression('t0')})`.as(name));
  }
  return query;
}

/** What a page selects: the table's columns (undefined: every one) and the extra columns (undefined: every one). */
export interface Selection { columns?: readonly string[]; extra?: ReadonlySet<string> }

/**
 * What rendering exactly `fields` reads of a row: the fields' columns and `reads`, the id and the
 * owner. A page of ten thousand v2 items selects the eight columns it shows, not the whole row, and
 * runs no counter sub-query it does not show. Names come from the declaration only.
 */
export function selectionFor(resource: ResourceDefinition, fields: readonly string[]): Selection {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const extraNames = new Set(Object.keys(resource.extraColumns ?? {}));
  const columns = new Set<string>(['id']);
  if (resource.ownerColumn) columns.add(resource.ownerColumn);
  const extra = new Set<string>();
  let wholeRow = false;
  for (const [name, def] of Object.entries(resource.fields)) {
    if (!wanted.has(name.toLowerCase()) || def.kind === 'collection') continue;
    if (def.column) columns.add(def.column);
    if (def.appliesTo) columns.add(def.appliesTo.column);
    if (def.kind === 'computed' && def.reads === undefined) wholeRow = true;
    for (const read of def.reads ?? []) (extraNames.has(read) ? extra : columns).add(read);
  }
  return { ...(wholeRow ? {} : { columns: [...columns] }), ...(extraNames.size > 0 ? { extra } : {}) };
}

/** Rows of `ownerIds` that the TQL (if any) matches, over the row aliased t0. */
export function listCondition(engine: EngineContext, resource: ResourceDefinition, ownerIds: readonly number[], tql: string | undefined): RawBuilder<SqlBool> {
  return listConditionShape(engine, resource, ownerIds, tql).condition;
}

/**
 * listCondition, and whether it read the clock (a relative date such as `NOW() - 1 DAY`): such a
 * condition holds for this request only, any other is the same for every request that sends
 * the same TQL (QueryShapes may keep its compiled statement).
 */
export function listConditionShape(engine: EngineContext, resource: ResourceDefinition, ownerIds: readonly number[], tql: string | undefined): { condition: RawBuilder<SqlBool>; readsClock: boolean } {
  const owned = ownerCondition(resource, 't0', ownerIds);
  const blank = tql === undefined || tql.trim() === '';
  const ast = blank ? undefined : parseTql(tql);
  const byDefault = resource.defaultListFilter;
  const scoped = byDefault && (ast === undefined || !namesKeyword(ast, new Set(byDefault.unlessKeywords.map(keywordKey))))
    ? sql<SqlBool>`${owned} and ${sql.ref(`t0.${byDefault.column}`)} = ${byDefault.value}`
    : owned;
  if (ast === undefined) return { condition: scoped, readsClock: false };
  const now = new RequestClock();
  const condition = compileTql(ast, { resource, resourceNamed: engine.registry.named, ownerIds, now, likeIgnoresAsciiCase: engine.likeIgnoresAsciiCase, backslashEscapesLike: engine.backslashEscapesLike });
  return { condition: sql<SqlBool>`${scoped} and ${condition}`, readsClock: now.read };
}

/** Whether the query names one of `keys` (keywordKey form) outside its sub-queries. */
function namesKeyword(node: TqlNode, keys: ReadonlySet<string>): boolean {
  switch (node.kind) {
    case 'and':
    case 'or': return node.terms.some((t) => namesKeyword(t, keys));
    case 'not': return namesKeyword(node.operand, keys);
    case 'predicate':
    case 'isNull': return keys.has(keywordKey(node.keyword));
    case 'nested': return false;
  }
}

/** The request's time, noting whether a relative date read it (parseTqlDate reads `now` only for those, through getTime). */
class RequestClock extends Date {
  read = false;
  override getTime(): number {
    this.read = true;
    return super.getTime();
  }
  override valueOf(): number {
    this.read = true;
    return super.valueOf();
  }
}

/** `sorting` directions: NULL counts as lowest for asc/desc; nullsfirst/nullslast sort ascending. */
const SORT_DIRECTIONS = new Map<string, ['asc' | 'desc', 'first' | 'last']>([
  ['asc', ['asc', 'first']], ['desc', ['desc', 'last']], ['nullsfirst', ['asc', 'first']], ['nullslast', ['asc', 'last']],
]);

export type Ordering = [column: string, direction: 'asc' | 'desc', nulls: 'first' | 'last'][];

/**
 * `sorting=name asc dateAdded desc` → columns; unknown keys are an error naming the sortable ones.
 * NULL placement is explicit so both dialects agree (SQLite sorts NULL lowest, PostgreSQL highest):
 * NULL counts as lowest for asc/desc; `nullsfirst`/`nullslast` sort ascending with NULLs before/after.
 */
export function ordering(resource: ResourceDefinition, sorting: string | undefined): Ordering {
  const order: Ordering = [];
  const tokens = (sorting ?? '').trim().split(/[\s,]+/).filter(Boolean);
  if (tokens.length > 20) throw new CairnError('bad-request', 'sorting takes at most 10 keys.');
  for (let i = 0; i < tokens.length; i++) {
    const key = tokens[i]!;
    const column = resource.sortKeys.get(key.toLowerCase())?.column;
    if (!column) throw new CairnError('bad-request', `Cannot sort ${resource.name} by "${key.slice(0, 60)}"; sortable: ${[...resource.sortKeys.values()].map((k) => k.name).join(', ')}.`);
    const given = SORT_DIRECTIONS.get(tokens[i + 1]?.toLowerCase() ?? '');
    if (given) i++;
    const [direction, nulls] = given ?? SORT_DIRECTIONS.get('asc')!;
    order.push([column, direction, nulls]);
  }
  if (order.length === 0 && resource.defaultSort) order.push([resource.defaultSort.column, resource.defaultSort.direction, resource.defaultSort.direction === 'asc' ? 'first' : 'last']);
  if (!order.some(([column]) => column === 'id')) order.push(['id', 'asc', 'first']);
  return order;
}
