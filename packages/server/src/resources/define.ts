/**
 * Declaring a resource: small field builders so that a declaration reads like the OPTIONS
 * descriptor it produces, and defineResource, which derives what the engine reads from it.
 */
import { kindOf } from './kinds/index.js';
import type { ChildCollection, CollectionDefinition, FieldDefinition, ParentReference, ResourceDeclaration, ResourceDefinition, RowExpression, TqlKeyword, TqlType } from './types.js';

type Options = Partial<FieldDefinition>;

export const field = {
  id: (description = 'The ID of the item', options: Options = {}): FieldDefinition =>
    ({ type: 'Integer', kind: 'integer', column: 'id', readOnly: true, includedByDefault: true, description, ...options }),
  xid: (options: Options = {}): FieldDefinition =>
    ({ type: 'String', kind: 'string', column: 'xid', createOnly: true, maxLength: 100, includedByDefault: true, description: 'The external ID, unique per owner', ...options }),
  string: (column: string, description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'String', kind: 'string', column, includedByDefault: true, description, ...options }),
  integer: (column: string, description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'Integer', kind: 'integer', column, includedByDefault: true, description, ...options }),
  decimal: (column: string, description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'BigDecimal', kind: 'decimal', column, includedByDefault: true, description, ...options }),
  boolean: (column: string, description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'Boolean', kind: 'boolean', column, includedByDefault: true, description, ...options }),
  date: (column: string, description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'Date', kind: 'date', column, includedByDefault: true, description, ...options }),
  enum: (column: string, values: readonly string[], description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'String', kind: 'enum', column, allowableValues: values, includedByDefault: true, description, ...options }),
  user: (column: string, description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'User', kind: 'user', column, readOnly: true, includedByDefault: true, description, ...options }),
  assignee: (column: string, options: Options = {}): FieldDefinition =>
    ({ type: 'Assignee', kind: 'assignee', column, includedByDefault: true, description: 'The user the item is assigned to: {"type":"User","data":{"userName":…}} or {"type":"None"}', ...options }),
  owner: (options: Options = {}): FieldDefinition => ({ type: 'String', kind: 'owner', column: 'owner_id', readOnly: true, includedByDefault: true, description: 'The name of the owner', ...options }),
  ownerId: (options: Options = {}): FieldDefinition => ({ type: 'Integer', kind: 'ownerId', column: 'owner_id', readOnly: true, includedByDefault: true, description: 'The ID of the owner', ...options }),
  parentId: (description: string, options: Options = {}): FieldDefinition =>
    ({ type: 'Integer', kind: 'parent', createOnly: true, includedByDefault: true, description, ...options }),
  parentXid: (description: string): FieldDefinition =>
    ({ type: 'String', kind: 'parent', createOnly: true, writeOnly: true, maxLength: 100, description }),
  computed: (type: string, description: string, compute: NonNullable<FieldDefinition['compute']>): FieldDefinition =>
    ({ type, kind: 'computed', readOnly: true, includedByDefault: true, description, compute }),
};

const keywordName = (keyword: string) => keyword.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());

/** A TQL keyword on a column of the resource's table. */
export const keyword = (keyword: string, type: TqlType, column: string, description: string, allowableValues?: readonly string[]): TqlKeyword =>
  ({ keyword, name: keywordName(keyword), type, column, description, ...(allowableValues ? { allowableValues } : {}) });

/** A TQL keyword on a value computed from the row (`expression(alias)`: names from declarations only). */
export const computedKeyword = (keyword: string, type: TqlType, expression: RowExpression, description: string, allowableValues?: readonly string[]): TqlKeyword =>
  ({ keyword, name: keywordName(keyword), type, expression, description, ...(allowableValues ? { allowableValues } : {}) });

/** A TQL keyword on values the row has many of: true when any of them passes the comparison. */
export const anyOfKeyword = (keyword: string, type: TqlType, anyOf: NonNullable<TqlKeyword['anyOf']>, description: string): TqlKeyword =>
  ({ keyword, name: keywordName(keyword), type, anyOf, description });

/** The field entry a collection implies (OPTIONS descriptor, `fields=`): declared once, on the collection. */
function collectionField(collection: CollectionDefinition): FieldDefinition {
  return { type: collection.type ?? `${collection.itemType}s`, kind: 'collection', includedByDefault: false, description: collection.description, ...(collection.readOnly ? { readOnly: true } : {}) };
}

/**
 * A resource as the engine reads it: the declaration plus its TQL keywords and sort keys, taken
 * from the fields marked `tql` / `sortable` (then `extraTql`). A mark on a field that has no
 * column, or of a kind TQL cannot compare, fails at start-up, not on a request.
 */
export function defineResource(declaration: ResourceDeclaration): ResourceDefinition {
  const { extraTql = [], ...rest } = declaration;
  // A bulk delete is one statement that reads no rows back: it cannot show them to delete hooks.
  if (declaration.bulkDelete && (declaration.onDelete || declaration.afterDelete)) throw new Error(`${declaration.name}: bulk delete is not offered for resources with delete hooks.`);
  const fields: Record<string, FieldDefinition> = { ...declaration.fields };
  for (const [name, collection] of Object.entries(declaration.collections ?? {})) {
    if (fields[name]) throw new Error(`${declaration.name}.${name} is declared as a field and as a collection; declare it once, as a collection.`);
    fields[name] = collectionField(collection);
  }
  const tql: TqlKeyword[] = [];
  const sortable: Record<string, string> = {};
  for (const [name, def] of Object.entries(fields)) {
    if (!def.tql && !def.sortable) continue;
    if (!def.column) throw new Error(`${declaration.name}.${name} is marked for TQL or sorting but has no column.`);
    if (def.sortable) sortable[name] = def.column;
    if (!def.tql) continue;
    const type = def.tqlType ?? kindOf(def.kind).tqlType;
    if (!type) throw new Error(`${declaration.name}.${name}: a ${def.kind} field has no TQL type; set tqlType.`);
    tql.push(keyword(def.tql === true ? name : def.tql, type, def.column, def.tqlDescription ?? def.description, type === 'Enum' ? def.allowableValues : undefined));
  }
  for (const k of extraTql) {
    if ([k.column, k.expression, k.anyOf].filter((x) => x !== undefined).length !== 1) throw new Error(`${declaration.name} keyword ${k.keyword}: give exactly one of column, expression, anyOf.`);
  }
  tql.push(...extraTql);
  const tqlByKey = new Map<string, TqlKeyword>();
  for (const k of tql) {
    if (tqlByKey.has(keywordKey(k.keyword))) throw new Error(`${declaration.name} declares the TQL keyword ${k.keyword} twice.`);
    tqlByKey.set(keywordKey(k.keyword), k);
  }
  // "sort results based on a valid TQL parameter for the endpoint" (docs v3/sort_results.rst).
  const sortKeys = new Map<string, { name: string; column: string }>();
  const columnKeywords = tql.filter((k) => k.column !== undefined).map((k) => [k.keyword, k.column!] as const);
  for (const [name, column] of [...Object.entries(sortable), ...columnKeywords]) {
    if (!sortKeys.has(name.toLowerCase())) sortKeys.set(name.toLowerCase(), { name, column });
  }
  const userColumns = Object.values(fields).filter((f) => kindOf(f.kind).namesUser && f.column).map((f) => f.column!);
  return { ...rest, fields, tql, tqlByKey, sortable, sortKeys, userColumns };
}

/** How TQL matches keywords: case-insensitively, with or without underscores (tcex writes `case_id`). */
export function keywordKey(keyword: string): string {
  return keyword.toLowerCase().replace(/_/g, '');
}

/** The parent reference of `target` that a children collection hangs its items under. */
export function childParent(target: ResourceDefinition, collection: ChildCollection): ParentReference {
  const parent = target.parents?.find((p) => p.idField === collection.parentField);
  if (!parent) throw new Error(`${target.name} declares no parent ${collection.parentField}.`);
  return parent;
}
