/** Small builders so that a declaration reads like the OPTIONS descriptor it produces. */
import type { ChildCollection, FieldDefinition, FieldKind, NestedQuery, ParentReference, ResourceDeclaration, ResourceDefinition, TqlKeyword, TqlType } from './types.js';

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
  collection: (type: string, description: string): FieldDefinition =>
    ({ type, kind: 'collection', includedByDefault: false, description }),
  computed: (type: string, description: string, compute: (row: Record<string, unknown>) => unknown): FieldDefinition =>
    ({ type, kind: 'computed', readOnly: true, includedByDefault: true, description, compute }),
};

export const keyword = (keyword: string, type: TqlType, column: string, description: string, allowableValues?: readonly string[]): TqlKeyword =>
  ({ keyword, name: keyword.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase()), type, column, description, ...(allowableValues ? { allowableValues } : {}) });

/** The TQL type a field's kind implies (a user or assignee is searched by the user's ID). */
const TQL_TYPE_OF_KIND: Partial<Record<FieldKind, TqlType>> = {
  integer: 'Integer', parent: 'Integer', ownerId: 'Integer', user: 'Integer', assignee: 'Integer',
  string: 'String', enum: 'Enum', date: 'Date', boolean: 'Boolean',
};

/**
 * A resource as the engine reads it: the declaration plus its TQL keywords and sort keys, taken
 * from the fields marked `tql` / `sortable` (then `extraTql`). A mark on a field that has no
 * column, or of a kind TQL cannot compare, fails at start-up, not on a request.
 */
export function defineResource(declaration: ResourceDeclaration): ResourceDefinition {
  const { extraTql = [], ...rest } = declaration;
  const tql: TqlKeyword[] = [];
  const sortable: Record<string, string> = {};
  for (const [name, def] of Object.entries(declaration.fields)) {
    if (!def.tql && !def.sortable) continue;
    if (!def.column) throw new Error(`${declaration.name}.${name} is marked for TQL or sorting but has no column.`);
    if (def.sortable) sortable[name] = def.column;
    if (!def.tql) continue;
    const type = def.tqlType ?? TQL_TYPE_OF_KIND[def.kind];
    if (!type) throw new Error(`${declaration.name}.${name}: a ${def.kind} field has no TQL type; set tqlType.`);
    tql.push(keyword(def.tql === true ? name : def.tql, type, def.column, def.tqlDescription ?? def.description, type === 'Enum' ? def.allowableValues : undefined));
  }
  tql.push(...extraTql);
  const tqlByKey = new Map<string, TqlKeyword>();
  for (const k of tql) {
    if (tqlByKey.has(keywordKey(k.keyword))) throw new Error(`${declaration.name} declares the TQL keyword ${k.keyword} twice.`);
    tqlByKey.set(keywordKey(k.keyword), k);
  }
  // "sort results based on a valid TQL parameter for the endpoint" (docs v3/sort_results.rst).
  const sortKeys = new Map<string, { name: string; column: string }>();
  for (const [name, column] of [...Object.entries(sortable), ...tql.map((k) => [k.keyword, k.column] as const)]) {
    if (!sortKeys.has(name.toLowerCase())) sortKeys.set(name.toLowerCase(), { name, column });
  }
  const userColumns = Object.values(declaration.fields).filter((f) => (f.kind === 'user' || f.kind === 'assignee') && f.column).map((f) => f.column!);
  return { ...rest, tql, tqlByKey, sortable, sortKeys, userColumns };
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

/** `WorkflowEvent` → `Workflow Event`. */
const words = (itemType: string) => itemType.replace(/(?<=[a-z])(?=[A-Z])/g, ' ');

/**
 * The `has…()` sub-queries of a resource: one per parent (`hasCase` on a task: its case) and one
 * per collection (`hasTask` on a case: any of its tasks), named after the other side's item type.
 */
export function nestedQueries(resource: ResourceDefinition, resourceNamed: (name: string) => ResourceDefinition): NestedQuery[] {
  const queries: NestedQuery[] = [];
  const add = (target: ResourceDefinition, description: string, link: NestedQuery['link']) => {
    const keyword = `has${target.itemType}`;
    if (queries.some((q) => q.keyword === keyword)) throw new Error(`${resource.name} would have two ${keyword}() sub-queries.`);
    queries.push({ keyword, name: `Associated ${words(target.itemType)}`, description, target: target.name, link });
  };
  for (const parent of resource.parents ?? []) {
    const target = resourceNamed(parent.resource);
    add(target, `A nested query for the ${words(target.itemType).toLowerCase()} of the ${words(resource.itemType).toLowerCase()}`, { outerColumn: parent.column, innerColumn: 'id' });
  }
  for (const collection of Object.values(resource.collections ?? {})) {
    const target = resourceNamed(collection.target);
    const description = `A nested query for ${collection.description.replace(/^The /, 'the ')}`;
    if (collection.kind === 'children') add(target, description, { outerColumn: 'id', innerColumn: childParent(target, collection).column });
    else add(target, description, { outerColumn: 'id', innerColumn: 'id', via: { table: collection.table, outerColumn: collection.parentColumn, innerColumn: collection.targetColumn } });
  }
  return queries;
}
