/**
 * The indicators of bench:ingest as a STIX 2.1 bundle (`--stix`): object `i` is an `indicator`
 * SDO whose pattern is item `i` of bench/support/ingest-items.ts, with its tags as `labels`, its
 * Description as `description`, its confidence and rating, so the STIX reader yields the same
 * import items (with their source's created/modified) and the database ends with the same rows as
 * the loader's. The bundle is produced as text chunks, never whole.
 */
import { indicatorPattern } from '../../packages/server/src/core/exchange/stix/pattern.js';
import { ingestIndicator } from './ingest-items.js';

const CREATED = '2026-01-01T00:00:00.000Z';

/** A deterministic STIX id for object `i` (a UUID of version 4 shape: its digits are `i`). */
const idOf = (i: number) => `indicator--${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

export function ingestStixObject(i: number): Record<string, unknown> {
  const x = ingestIndicator(i);
  return {
    type: 'indicator', spec_version: '2.1', id: idOf(i), created: CREATED, modified: CREATED,
    name: x.value, description: x.description, labels: x.tags,
    pattern: indicatorPattern(x.type, { value1: x.value }), pattern_type: 'stix', pattern_version: '2.1', valid_from: CREATED,
    confidence: x.confidence, x_cairn_rating: x.rating,
  };
}

/** The bundle of objects 0 … count-1 as UTF-8 chunks of about 64 KiB. */
export async function* ingestStixBundle(count: number): AsyncGenerator<Buffer> {
  let text = '{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[';
  for (let i = 0; i < count; i++) {
    text += (i === 0 ? '' : ',') + JSON.stringify(ingestStixObject(i));
    if (text.length >= 65_536) { yield Buffer.from(text); text = ''; }
  }
  yield Buffer.from(`${text}]}`);
}
