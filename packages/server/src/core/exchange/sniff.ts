/**
 * Which import format a file is, from its content (`cairn import` without `--format`):
 * - JSON whose top-level object has `"type":"bundle"` (or an `id` starting `bundle--`) → stix;
 * - JSON with a top-level `Event` or `response` key, or an array whose first element has an
 *   `Event` → misp;
 * - any other JSON array (the V1 batch body), or an object with `indicator`, `group` or
 *   `association` (the V2 body) → tc-batch;
 * - text that is not JSON, whose first line has a comma → csv.
 * Anything else is undecidable: the caller says so and asks for `--format`. Only the top level is
 * read (the values under other keys are skipped as they stream, never built), and reading stops as
 * soon as the format is known.
 */
import { Readable } from 'node:stream';
import { parser } from 'stream-json/parser.js';
import type { ImportFormat } from './jobs.js';

export type Sniffed = { format: ImportFormat } | { undecided: string };

type Token = { name: string; value?: string };

/** Bytes looked at to tell JSON from text (and text from binary). */
const HEAD_BYTES = 64 * 1024;

export async function sniffImportFormat(open: () => AsyncIterable<Buffer | string>): Promise<Sniffed> {
  const head = await readHead(open());
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === undefined) return { undecided: 'the file is empty' };
  if (first !== '{' && first !== '[') {
    if (head.includes(0)) return { undecided: 'the file is binary (neither JSON nor CSV)' };
    const line = text.trimStart().split(/\r?\n/, 1)[0]!;
    return line.includes(',') ? { format: 'csv' } : { undecided: 'the file is neither JSON nor CSV with comma-separated columns' };
  }
  try {
    return await sniffJson(open());
  } catch (error) {
    return { undecided: `the file starts like JSON but is not valid JSON (${(error as Error).message.slice(0, 200)})` };
  }
}

async function readHead(input: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    parts.push(buffer);
    size += buffer.length;
    if (size >= HEAD_BYTES) break;
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

async function sniffJson(input: AsyncIterable<Buffer | string>): Promise<Sniffed> {
  const source = Readable.from(input, { objectMode: false });
  const tokens = parser.asStream({ streamValues: false });
  source.on('error', (error) => tokens.destroy(error));
  source.pipe(tokens);
  let depth = 0;
  let rootArray: boolean | undefined;
  let key: string | undefined;
  const keys: string[] = [];
  try {
    for await (const token of tokens as AsyncIterable<Token>) {
      const { name } = token;
      if (rootArray === undefined) {
        rootArray = name === 'startArray';
        depth = 1;
        continue;
      }
      if (rootArray) {
        // The first element: an object with an Event key is MISP; anything else a V1 batch body.
        if (depth === 1) {
          if (name === 'endArray') return { format: 'tc-batch' };
          if (name !== 'startObject') return { format: 'tc-batch' };
          depth = 2;
          continue;
        }
        if (depth === 2 && name === 'keyValue') {
          if (token.value === 'Event') return { format: 'misp' };
          continue;
        }
        if (depth === 2 && name === 'endObject') return { format: 'tc-batch' };
      } else if (depth === 1) {
        if (name === 'keyValue') {
          key = token.value!;
          keys.push(key);
          if (key === 'Event' || key === 'response') return { format: 'misp' };
          if (key === 'indicator' || key === 'group' || key === 'association') return { format: 'tc-batch' };
          continue;
        }
        if (name === 'stringValue') {
          if ((key === 'type' && token.value === 'bundle') || (key === 'id' && token.value!.startsWith('bundle--'))) return { format: 'stix' };
          continue;
        }
        if (name === 'endObject') {
          if (keys.includes('objects') && keys.includes('type')) return { format: 'stix' };
          return { undecided: `a JSON object with ${keys.length === 0 ? 'no keys' : `the keys ${keys.slice(0, 8).join(', ')}`}, which is no STIX bundle ("type":"bundle"), MISP event ("Event") or batch body ("indicator", "group")` };
        }
      }
      if (name === 'startObject' || name === 'startArray') depth += 1;
      else if (name === 'endObject' || name === 'endArray') depth -= 1;
    }
    return { undecided: 'the JSON ends early' };
  } finally {
    source.unpipe(tokens);
    source.destroy();
    tokens.destroy();
  }
}
