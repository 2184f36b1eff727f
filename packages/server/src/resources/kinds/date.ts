/** Instants: ISO 8601 (or epoch milliseconds) in, the stored UTC form (`2026-11-23T16:06:32Z`) out. */
import { toStoredTime } from '../../store/database.js';
import { described, storedValue, type FieldKindHandler } from './kind.js';

export const dateKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Date',
  convert(_def, value) {
    const time = typeof value === 'number' ? value : typeof value === 'string' && value.length <= 64 ? Date.parse(value) : NaN;
    if (!Number.isFinite(time) || time < Date.UTC(1900, 0, 1) || time > Date.UTC(9999, 11, 31)) return { problem: 'must be an ISO 8601 date such as 2023-02-01T12:00:00Z' };
    return { value: toStoredTime(new Date(time)) };
  },
  render: storedValue,
  schemaOf(def) {
    // ISO 8601 text (with or without a zone, so no `format`), or epoch milliseconds.
    return described(def, { type: ['string', 'number'], maxLength: 64 });
  },
};
