/** The owner column shown as the owner's id. */
import { described, storedValue, type FieldKindHandler } from './kind.js';

export const ownerIdKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Integer',
  render(def, row) {
    const raw = storedValue(def, row);
    return raw === undefined ? undefined : Number(raw);
  },
  schemaOf: (def) => described(def, { type: 'integer' }),
};
