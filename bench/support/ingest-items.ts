/**
 * The indicators of bench:ingest, the same for Cairn and the hand-written loader: item `i` of a
 * run, deterministic, mixed types (Address, Host, URL, EmailAddress, File in turn), each with a
 * rating, a confidence, two tags (from 100 + 7 names) and one Description attribute. Values are
 * already in their stored (normalised) form, so the loader can write them as they are and Cairn's
 * normalisers leave them unchanged.
 */
import crypto from 'node:crypto';

export const INGEST_TYPES = ['Address', 'Host', 'URL', 'EmailAddress', 'File'] as const;

export interface IngestIndicator {
  type: (typeof INGEST_TYPES)[number];
  /** The value (a File: its MD5), stored as value1 and summary, and claimed in indicator_values. */
  value: string;
  rating: number;
  confidence: number;
  tags: [string, string];
  description: string;
}

export function ingestIndicator(i: number): IngestIndicator {
  const type = INGEST_TYPES[i % 5]!;
  let value: string;
  switch (type) {
    case 'Address': value = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`; break;
    case 'Host': value = `h${i}.example${i % 100}.com`; break;
    case 'URL': value = `http://u${i}.example.com/p/${i}`; break;
    case 'EmailAddress': value = `user${i}@mail${i % 50}.example.org`; break;
    default: value = crypto.createHash('md5').update(`ingest ${i}`).digest('hex');
  }
  return { type, value, rating: (i % 5) + 1, confidence: i % 101, tags: [`Tag ${i % 100}`, `Feed ${i % 7}`], description: `Indicator ${i} of the ingest benchmark` };
}

/** The same indicator as an import item (what the v2 batch API's V1 body says, parsed). */
export function ingestItem(i: number): Record<string, unknown> {
  const x = ingestIndicator(i);
  return { kind: 'indicator', type: x.type, summary: x.value, rating: x.rating, confidence: x.confidence, tags: x.tags, attributes: [{ type: 'Description', value: x.description }] };
}

/** The same indicator in a v2 batch V1 upload (`[{summary,type,rating,confidence,attribute,tag}]`). */
export function ingestBatchV1(i: number): Record<string, unknown> {
  const x = ingestIndicator(i);
  return { summary: x.value, type: x.type, rating: x.rating, confidence: x.confidence, attribute: [{ type: 'Description', value: x.description }], tag: x.tags.map((name) => ({ name })) };
}
