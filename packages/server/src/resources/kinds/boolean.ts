/** true/false, stored as 1/0; bodies may send "true"/"false" (as TC clients do). */
import { described, storedValue, type FieldKindHandler } from './kind.js';

export const booleanKind: FieldKindHandler = {
  write: 'column',
  refusesNull: 'must be true or false',
  tqlType: 'Boolean',
  convert(_def, value) {
    const flag = value === true || value === 'true' || value === 'True' ? 1 : value === false || value === 'false' || value === 'False' ? 0 : undefined;
    return flag === undefined ? { problem: 'must be true or false' } : { value: flag };
  },
  render(def, row) {
    const raw = storedValue(def, row);
    return raw === undefined ? undefined : Number(raw) === 1;
  },
  schemaOf(def) {
    return described(def, { type: ['boolean', 'string'], enum: [true, false, 'true', 'false', 'True', 'False'] });
  },
};
