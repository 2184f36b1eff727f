/**
 * CSV import and export of indicators (issue 10).
 *
 * The format: a header row, then one indicator per row.
 *
 *   Type,Value,Rating,Confidence,Tags
 *   Host,bad.example.com,3,80,phishing;campaign 7
 *   File,d41d8cd98f00b204e9800998ecf8427e : da39a3ee5e6b4b0d3255bfef95601890afd80709,,,
 *
 * - Header names are matched ignoring case and spaces: `type`, `value` (or `summary`,
 *   `indicator`), `rating`, `confidence`, `tags` (or `tag`). Only `type` and `value` are required,
 *   so ThreatConnect's bulk CSV report (`Type,Value,Rating,Confidence`) imports as it is. Other
 *   columns are ignored, with one warning. A file whose first row names a type instead
 *   (`Host,example.com,…`) is read as having no header, in the column order above.
 * - `Type`: a Cairn indicator type name in any case, with or without its spaces (`Address`,
 *   `EmailAddress`, `Email Address`, `registry key`, …), or its v2 branch or entity (`hosts`, `host`).
 * - `Value`: the indicator's summary as Cairn shows it; a File is `md5 : sha1 : sha256` (any of
 *   them), a Registry Key `key : value name : value type`.
 * - `Rating` 0–5 and `Confidence` 0–100 may be empty. `Tags` are separated by `;`; a `;` or `\`
 *   inside a tag is escaped with `\`. A present but empty Tags cell is "no tags" (with the
 *   default tag write type Replace, a re-import removes tags no longer listed); no Tags column
 *   leaves tags alone.
 *
 * Each bad row is one problem naming its line (the item is not imported; the rows after it are);
 * malformed CSV (an unclosed quote) is a problem at its line too. Nothing here throws on any input.
 * The export writes the same header and rows, so an exported file imports back to the same
 * indicators.
 */
import { Readable } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { INDICATOR_TYPES, indicatorTypeNamed, indicatorTypeOfBranch, valuesNamedBy, type IndicatorType } from '../intel/indicator-types.js';
import { ITEM_ERROR_CODES, type IndicatorItem } from './items.js';
import type { ParsedEntry } from './upload.js';

/** The header the export writes (and the column order of a file without a header). */
export const CSV_COLUMNS = ['Type', 'Value', 'Rating', 'Confidence', 'Tags'] as const;
type Column = 'type' | 'value' | 'rating' | 'confidence' | 'tags';

const HEADER_NAMES = new Map<string, Column>([
  ['type', 'type'], ['indicatortype', 'type'],
  ['value', 'value'], ['summary', 'value'], ['indicator', 'value'],
  ['rating', 'rating'], ['threatrating', 'rating'],
  ['confidence', 'confidence'],
  ['tags', 'tags'], ['tag', 'tags'],
]);

/** A row longer than this (bytes) is malformed input, not an indicator. */
export const CSV_MAX_ROW_BYTES = 1 << 20;
/** Tags per row. */
const MAX_TAGS = 100;

const typesWithoutSpaces = new Map<string, IndicatorType>(INDICATOR_TYPES.map((t) => [t.name.toLowerCase().replace(/\s+/g, ''), t]));

/** The indicator type a CSV cell names (see the module comment), or undefined. */
export function csvIndicatorType(cell: string): IndicatorType | undefined {
  const text = cell.trim();
  if (text === '' || text.length > 64) return undefined;
  return indicatorTypeNamed(text) ?? typesWithoutSpaces.get(text.toLowerCase().replace(/[\s_-]+/g, '')) ?? indicatorTypeOfBranch(text);
}

/** Tags as a cell: separated by `;`, a `;` or `\` in a tag escaped with `\`. */
export function tagsCell(tags: readonly string[]): string {
  return tags.map((t) => t.replace(/[\\;]/g, (c) => `\\${c}`)).join(';');
}

/** The tags of a cell (the inverse of tagsCell): empty tags dropped, each trimmed. */
export function tagsOfCell(cell: string): string[] {
  const tags: string[] = [];
  let current = '';
  for (let i = 0; i < cell.length; i += 1) {
    const c = cell[i]!;
    if (c === '\\' && i + 1 < cell.length) {
      current += cell[i + 1];
      i += 1;
    } else if (c === ';') {
      tags.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  tags.push(current);
  return tags.map((t) => t.trim()).filter((t) => t !== '');
}

const article = (name: string) => (/^[AEIOU]/.test(name) ? 'an' : 'a');

/** A number cell: undefined when empty, else the number within [min, max] (integer when asked), or a problem. */
function numberCell(cell: string | undefined, name: string, min: number, max: number, integer: boolean): { value?: number } | { problem: string } {
  const text = (cell ?? '').trim();
  if (text === '') return {};
  const value = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    return { problem: `${name} "${text.slice(0, 40)}" is not ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}` };
  }
  return { value };
}

interface Layout { columns: (Column | undefined)[] }

/** The columns a first row names, or undefined when it is no header (a row naming a type). */
function headerLayout(cells: string[]): { layout: Layout; unknown: string[] } | undefined {
  const columns = cells.map((c) => HEADER_NAMES.get(c.trim().toLowerCase().replace(/[\s_-]+/g, '')));
  if (!columns.includes('type') && !columns.includes('value')) return undefined;
  return { layout: { columns }, unknown: cells.filter((_, i) => columns[i] === undefined && cells[i]!.trim() !== '') };
}

/** One data row as an item, or why it is not one. */
function rowItem(cells: string[], layout: Layout): IndicatorItem | { problem: string } | 'blank' {
  const cell = (column: Column) => {
    const i = layout.columns.indexOf(column);
    return i < 0 ? undefined : cells[i];
  };
  if (cells.every((c) => c.trim() === '')) return 'blank';
  const typeCell = (cell('type') ?? '').trim();
  if (typeCell === '') return { problem: 'the Type is empty' };
  const type = csvIndicatorType(typeCell);
  if (!type) return { problem: `"${typeCell.slice(0, 64)}" is not an indicator type (one of ${INDICATOR_TYPES.map((t) => t.name).join(', ')})` };
  const value = (cell('value') ?? '').trim();
  if (value === '') return { problem: `the Value of ${article(type.name)} ${type.name} is empty` };
  if (valuesNamedBy(type, value) === undefined) return { problem: `"${value.slice(0, 200)}" is not a valid ${type.name} value` };
  const item: IndicatorItem = { kind: 'indicator', type: type.name, summary: value };
  const rating = numberCell(cell('rating'), 'Rating', 0, 5, false);
  if ('problem' in rating) return rating;
  if (rating.value !== undefined) item.rating = rating.value;
  const confidence = numberCell(cell('confidence'), 'Confidence', 0, 100, true);
  if ('problem' in confidence) return confidence;
  if (confidence.value !== undefined) item.confidence = confidence.value;
  const tagText = cell('tags');
  if (tagText !== undefined) {
    const tags = tagsOfCell(tagText);
    if (tags.length > MAX_TAGS) return { problem: `${tags.length} tags; at most ${MAX_TAGS} per indicator` };
    const long = tags.find((t) => t.length > 128);
    if (long !== undefined) return { problem: `the tag "${long.slice(0, 40)}…" is longer than 128 characters` };
    item.tags = [...new Set(tags)];
  }
  return item;
}

const problemOf = (reason: string, source: string, kind: 'indicator' | 'file' = 'indicator', severity: 'Error' | 'Warning' = 'Error'): ParsedEntry =>
  ({ problem: { kind, code: kind === 'file' ? ITEM_ERROR_CODES.jsonSyntax : ITEM_ERROR_CODES.invalidIndicator, severity, reason, source: source.slice(0, 500) } });

/**
 * Reads a CSV file of indicators (see the module comment) as it streams in: an item per good row,
 * a problem per bad row (its reason starts with `Line n:`). `input` is the file's bytes or text.
 */
export async function* parseCsvIndicators(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<ParsedEntry> {
  // Rows the parser skipped (malformed), by line: reported in line order among the good rows.
  const skipped: { line: number; entry: ParsedEntry }[] = [];
  const skippedBefore = (line: number) => {
    let n = 0;
    while (n < skipped.length && skipped[n]!.line < line) n += 1;
    return skipped.splice(0, n).map((s) => s.entry);
  };
  const parser = parse({
    bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true, raw: true,
    max_record_size: CSV_MAX_ROW_BYTES, skip_records_with_error: true,
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      const line = Number((error as { lines?: number } | undefined)?.lines ?? Number.MAX_SAFE_INTEGER);
      skipped.push({ line, entry: problemOf(`Line ${line}: malformed CSV (${(error?.message ?? 'unreadable row').slice(0, 200)})`, raw ?? '', 'file') });
      return undefined;
    },
  });
  const source = Readable.from(input as AsyncIterable<Buffer | string>, { objectMode: false });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let layout: Layout | undefined;
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: Info; raw: string }>) {
      const cells = record.record.map((c) => String(c));
      const line = record.info.lines;
      yield* skippedBefore(line);
      if (layout === undefined) {
        const header = headerLayout(cells);
        if (header) {
          layout = header.layout;
          if (!layout.columns.includes('type') || !layout.columns.includes('value')) {
            yield problemOf(`Line ${line}: the header needs a Type and a Value column (it has ${cells.map((c) => c.trim()).join(', ').slice(0, 200)}); nothing was imported`, record.raw, 'file');
            return;
          }
          if (header.unknown.length > 0) {
            yield problemOf(`Line ${line}: columns ignored: ${header.unknown.map((c) => c.trim()).join(', ').slice(0, 300)} (read: ${CSV_COLUMNS.join(', ')})`, record.raw, 'file', 'Warning');
          }
          continue;
        }
        if (csvIndicatorType(cells[0] ?? '') === undefined) {
          yield problemOf(`Line ${line}: no header row (${CSV_COLUMNS.join(',')}) and the first cell names no indicator type; nothing was imported`, record.raw, 'file');
          return;
        }
        layout = { columns: ['type', 'value', 'rating', 'confidence', 'tags'] };
      }
      const item = rowItem(cells, layout);
      if (item === 'blank') continue;
      if ('problem' in item) yield problemOf(`Line ${line}: ${item.problem}`, record.raw);
      else yield { item };
    }
    yield* skipped.splice(0).map((s) => s.entry);
  } catch (error) {
    yield* skipped.splice(0).map((s) => s.entry);
    yield problemOf(`Unreadable CSV: ${(error as Error).message.slice(0, 300)}; the rows after it were not read`, '', 'file');
  } finally {
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
  }
}

/** One indicator as the export writes it. */
export interface CsvExportIndicator { type: string; summary: string; rating?: number | null; confidence?: number | null; tags?: readonly string[] }

const numberText = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(Number(value)));

/** The header line of an export. */
export const csvHeaderLine = () => stringify([[...CSV_COLUMNS]]);

/** Rows of an export (RFC 4180 quoting; values as stored, nothing prefixed). */
export function csvRows(indicators: readonly CsvExportIndicator[]): string {
  if (indicators.length === 0) return '';
  return stringify(indicators.map((i) => [i.type, i.summary, numberText(i.rating), numberText(i.confidence), tagsCell(i.tags ?? [])]), {
    quoted_match: /^\s|\s$/,
  });
}

/** An export as text chunks: the header, then one chunk per page of indicators. */
export async function* csvExport(pages: AsyncIterable<readonly CsvExportIndicator[]>): AsyncGenerator<string> {
  yield csvHeaderLine();
  for await (const page of pages) {
    const text = csvRows(page);
    if (text !== '') yield text;
  }
}
