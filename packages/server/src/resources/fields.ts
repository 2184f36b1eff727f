/** Small builders so that a declaration reads like the OPTIONS descriptor it produces. */
import type { FieldDefinition, TqlKeyword, TqlType } from './types.js';

type Options = Partial<FieldDefinition>;

export const field = {
  id: (description = 'The ID of the item'): FieldDefinition =>
    ({ type: 'Integer', kind: 'integer', column: 'id', readOnly: true, includedByDefault: true, description }),
  xid: (): FieldDefinition =>
    ({ type: 'String', kind: 'string', column: 'xid', createOnly: true, maxLength: 100, includedByDefault: true, description: 'The external ID, unique per owner' }),
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
  user: (column: string, description: string): FieldDefinition =>
    ({ type: 'User', kind: 'user', column, readOnly: true, includedByDefault: true, description }),
  assignee: (column: string): FieldDefinition =>
    ({ type: 'Assignee', kind: 'assignee', column, includedByDefault: true, description: 'The user the item is assigned to: {"type":"User","data":{"userName":…}} or {"type":"None"}' }),
  owner: (): FieldDefinition => ({ type: 'String', kind: 'owner', column: 'owner_id', readOnly: true, includedByDefault: true, description: 'The name of the owner' }),
  ownerId: (): FieldDefinition => ({ type: 'Integer', kind: 'ownerId', column: 'owner_id', readOnly: true, includedByDefault: true, description: 'The ID of the owner' }),
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
