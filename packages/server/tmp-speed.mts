import { Readable } from 'node:stream';
import { readStixBundle } from './src/core/exchange/stix/import.ts';
const n = 100_000;
const parts: Buffer[] = [];
let buffer = '{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[';
for (let i = 0; i < n; i++) {
  const o = i % 2 ? { type: 'indicator', spec_version: '2.1', id: `indicator--${String(i).padStart(8, '0')}-1111-4111-8111-111111111111`, created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`, pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z', labels: ['a', 'b'], description: 'x' }
    : { type: 'domain-name', spec_version: '2.1', id: `domain-name--${String(i).padStart(8, '0')}-2222-4222-8222-222222222222`, value: `h${i}.example.com` };
  buffer += (i ? ',' : '') + JSON.stringify(o);
  if (buffer.length > 65536) { parts.push(Buffer.from(buffer)); buffer = ''; }
}
parts.push(Buffer.from(buffer + ']}'));
const start = Date.now();
let items = 0;
for await (const r of readStixBundle(Readable.from(parts), { maxBytes: 1e9 })) items++;
console.log(items, Date.now() - start, 'ms');
