/**
 * A value computed from the row (a note's summary, a case's overdue flags). A writable one
 * (an artifact's type name, an indicator's value keys) is handed to the declaration's hooks,
 * which store what it means; its body schema takes what clients send for its type (booleans
 * and whole numbers also as strings, as for the column kinds).
 */
import { described, WHOLE_NUMBER, type FieldKindHandler, type JsonSchema } from './kind.js';

const SCHEMA_OF_TYPE: Record<string, JsonSchema> = { Boolean: { type: 'boolean' }, Integer: { type: 'integer' }, String: { type: 'string' } };
const WRITABLE_SCHEMA_OF_TYPE: Record<string, JsonSchema> = {
  Boolean: { type: ['boolean', 'string'], enum: [true, false, 'true', 'false', 'True', 'False'] },
  Integer: WHOLE_NUMBER,
  String: { type: 'string' },
};

export const computedKind: FieldKindHandler = {
  write: 'computed',
  render: (def, row, lookups) => def.compute?.(row, lookups),
  schemaOf: (def) => described(def, (def.readOnly ? SCHEMA_OF_TYPE : WRITABLE_SCHEMA_OF_TYPE)[def.type] ?? {}),
};
