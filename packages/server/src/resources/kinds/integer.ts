/** Whole numbers (workflow phase, ids shown as numbers). */
import { described, MAX_ID, storedValue, WHOLE_NUMBER, type FieldKindHandler } from './kind.js';

export const integerKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Integer',
  convert(def, value) {
    const number = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) return { problem: 'must be a whole number' };
    if (def.minValue !== undefined && number < def.minValue) return { problem: `must be at least ${def.minValue}` };
    if (def.maxValue !== undefined && number > def.maxValue) return { problem: `must be at most ${def.maxValue}` };
    if (number > MAX_ID || number < -MAX_ID - 1) return { problem: `must be between ${-MAX_ID - 1} and ${MAX_ID}` };
    return { value: number };
  },
  render(def, row) {
    const raw = storedValue(def, row);
    return raw === undefined ? undefined : Number(raw);
  },
  schemaOf(def) {
    const bounds = { ...(def.minValue !== undefined ? { minimum: def.minValue } : {}), ...(def.maxValue !== undefined ? { maximum: def.maxValue } : {}) };
    return described(def, { ...WHOLE_NUMBER, ...bounds });
  },
};
