/**
 * The bulk indicator reports (`GET /v2/indicators/bulk/json` and `/bulk/csv`): an owner's whole
 * indicator list written as it is read. Pages come in id order from whoever reads them (the
 * surface passes the engine's keyset read), one page at a time, and each page is turned into
 * text before the next is asked for: a consumer that stops pulling (a slow client, backpressure)
 * stops the reads, and no more than one page is ever held, however many indicators there are.
 */

/** Indicators read per page of an export. */
export const BULK_PAGE_SIZE = 1000;

/** A page of items and where the next starts (undefined: this was the last). */
export interface ExportPage<T> { data: T[]; nextAfterId?: number }

/** Every item of a list, page after page from `readPage`, started after id 0. */
export async function* exportItems<T>(readPage: (afterId: number) => Promise<ExportPage<T>>): AsyncGenerator<T[]> {
  let afterId = 0;
  for (;;) {
    const page = await readPage(afterId);
    if (page.data.length > 0) yield page.data;
    if (page.nextAfterId === undefined) return;
    afterId = page.nextAfterId;
  }
}

/**
 * The JSON report `{"indicator":[…]}` as text chunks, one per page: a valid document whatever the
 * number of items (none included), each item serialized by `render`.
 */
export async function* jsonReport<T>(pages: AsyncIterable<T[]>, render: (item: T) => unknown): AsyncGenerator<string> {
  yield '{"indicator":[';
  let first = true;
  for await (const page of pages) {
    let chunk = '';
    for (const item of page) {
      chunk += (first ? '' : ',') + JSON.stringify(render(item));
      first = false;
    }
    yield chunk;
  }
  yield ']}';
}

/** The CSV report's header line. */
export const BULK_CSV_HEADER = 'Type,Value,Rating,Confidence';

/** One indicator as the CSV report shows it. */
export interface CsvIndicator { type: string; summary: string; rating?: number | null; confidence?: number | null }

/**
 * A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break (or outer spaces,
 * which some readers trim), with its quotes doubled. Values are written as they are stored: the
 * report feeds other systems, so nothing is prefixed or escaped beyond quoting.
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A rating as the report shows it (`3.00`), or an empty cell when there is none (a spreadsheet's blank, not the word null). */
const ratingText = (rating: number | null | undefined) => (rating === null || rating === undefined ? '' : Number(rating).toFixed(2));
const confidenceText = (confidence: number | null | undefined) => (confidence === null || confidence === undefined ? '' : String(Math.trunc(Number(confidence))));

/** One CSV line, ended by a line feed (as the documented sample's lines are). */
export function csvLine(item: CsvIndicator): string {
  return `${csvField(item.type)},${csvField(item.summary)},${ratingText(item.rating)},${confidenceText(item.confidence)}\n`;
}

/** The CSV report as text chunks: the header, then one chunk per page. */
export async function* csvReport(pages: AsyncIterable<CsvIndicator[]>): AsyncGenerator<string> {
  yield `${BULK_CSV_HEADER}\n`;
  for await (const page of pages) {
    let chunk = '';
    for (const item of page) chunk += csvLine(item);
    yield chunk;
  }
}

/**
 * The report status of an owner (`GET /v2/indicators/bulk`). Cairn builds the reports when they
 * are asked for, from the live data, so both are always enabled and the last run is now.
 */
export interface BulkStatus { name: string; csvEnabled: boolean; jsonEnabled: boolean; nextRun: string; lastRun: string; status: 'Complete' }

export function bulkStatus(ownerName: string, now: string): BulkStatus {
  return { name: ownerName, csvEnabled: true, jsonEnabled: true, nextRun: now, lastRun: now, status: 'Complete' };
}
