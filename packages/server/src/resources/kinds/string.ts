/** Free text with an optional maximum length. */
import { described, storedValue, type FieldKindHandler } from './kind.js';

export const stringKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'String',
  convert(def, value) {
    if (typeof value !== 'string') return { problem: 'must be a string' };
    if (def.maxLength !== undefined && value.length > def.maxLength) return { problem: `must be at most ${def.maxLength} characters` };
    if (def.required && value.trim() === '') return { problem: 'must not be empty' };
    if (value.includes('\u0000')) return { problem: 'must not contain the NUL character (\\u0000)' };
    return { value };
  },
  render: storedValue,
  schemaOf(def) {
    return described(def, { type: 'string', ...(def.maxLength !== undefined ? { maxLength: def.maxLength } : {}) });
  },
};
