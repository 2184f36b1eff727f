/** Decimal numbers within bounds (an indicator's rating, 0 to 5: TC's BigDecimal); digit strings too. */
import { described, storedValue, type FieldKindHandler } from './kind.js';

export const decimalKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Integer',
  convert(def, value) {
    const number = typeof value === 'string' && /^-?\d{1,15}(\.\d{1,15})?$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number)) return { problem: 'must be a number' };
    if (def.minValue !== undefined && number < def.minValue) return { problem: `must be at least ${def.minValue}` };
    if (def.maxValue !== undefined && number > def.maxValue) return { problem: `must be at most ${def.maxValue}` };
    // Two decimals, as ThreatConnect shows a rating (5.00).
    return { value: Math.round(number * 100) / 100 };
  },
  render(def, row) {
    const raw = storedValue(def, row);
    return raw === undefined ? undefined : Number(raw);
  },
  schemaOf(def) {
    const bounds = { ...(def.minValue !== undefined ? { minimum: def.minValue } : {}), ...(def.maxValue !== undefined ? { maximum: def.maxValue } : {}) };
    return described(def, { type: ['number', 'string'], ...bounds });
  },
};
