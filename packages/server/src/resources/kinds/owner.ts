/** The owner column shown as the owner's name ("System" for rows no owner holds). */
import { described, type FieldKindHandler } from './kind.js';

export const ownerKind: FieldKindHandler = {
  write: 'column',
  render: (def, row, lookups) => lookups.ownerName(def.column ? row[def.column] : undefined),
  schemaOf: (def) => described(def, { type: 'string' }),
};
