/** A user id column shown as the user (read-only: the server sets who opened, closed, created). */
import { described, type FieldKindHandler, type JsonSchema } from './kind.js';

export const USER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, userName: { type: 'string' }, firstName: { type: 'string' }, lastName: { type: 'string' },
    pseudonym: { type: 'string' }, owner: { type: 'string' },
  },
};

export const userKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Integer',
  namesUser: true,
  render: (def, row, lookups) => lookups.user(def.column ? row[def.column] : undefined),
  schemaOf: (def) => described(def, USER_SCHEMA),
};
