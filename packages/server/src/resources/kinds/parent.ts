/**
 * A reference to the item's parent (a task's caseId or caseXid): resolved by the engine against
 * the declaration's parents on create, fixed afterwards. Shown as the parent's id.
 */
import { described, storedValue, WHOLE_NUMBER, type FieldKindHandler } from './kind.js';

export const parentKind: FieldKindHandler = {
  write: 'parent',
  tqlType: 'Integer',
  render(def, row) {
    const raw = storedValue(def, row);
    return raw === undefined ? undefined : Number(raw);
  },
  schemaOf(def) {
    return described(def, def.type === 'String' ? { type: 'string', maxLength: def.maxLength ?? 100 } : WHOLE_NUMBER);
  },
};
