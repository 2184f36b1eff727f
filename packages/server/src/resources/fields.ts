/** Small builders so that a declaration reads like the OPTIONS descriptor it produces. */
import type { FieldDefinition, FieldKind, ResourceDeclaration, ResourceDefinition, TqlKeyword, TqlType } from './types.js';

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
  const seen = new Set<string>();
  for (const k of tql) {
    if (seen.has(k.keyword.toLowerCase())) throw new Error(`${declaration.name} declares the TQL keyword ${k.keyword} twice.`);
    seen.add(k.keyword.toLowerCase());
  }
  return { ...rest, tql, sortable };
}
