/**
 * A value computed from the row (a note's summary, a case's overdue flags). A writable one
 * (an artifact's type name) is handed to the declaration's onCreate, which stores what it means.
 */
import { described, type FieldKindHandler, type JsonSchema } from './kind.js';

const SCHEMA_OF_TYPE: Record<string, JsonSchema> = { Boolean: { type: 'boolean' }, Integer: { type: 'integer' }, String: { type: 'string' } };

export const computedKind: FieldKindHandler = {
  write: 'computed',
  render: (def, row, lookups) => def.compute?.(row, lookups),
  schemaOf: (def) => described(def, SCHEMA_OF_TYPE[def.type] ?? {}),
};
