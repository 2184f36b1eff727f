/** One of the declared values, matched ignoring case and outer spaces, stored as declared. */
import { described, storedValue, type FieldKindHandler } from './kind.js';

export const enumKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Enum',
  convert(def, value) {
    const match = typeof value === 'string' ? def.allowableValues?.find((v) => v.toLowerCase() === value.trim().toLowerCase()) : undefined;
    return match ? { value: match } : { problem: `must be one of ${def.allowableValues!.join(', ')}` };
  },
  render: storedValue,
  schemaOf(def) {
    // Any case is accepted; answers use the declared spelling (listed as examples).
    return described(def, { type: 'string', examples: [...(def.allowableValues ?? [])] });
  },
};
