/**
 * Bulk indicator reports (spec threatconnect.md §5.3), registered under `/v2`, with no envelope:
 *
 *   GET /indicators/bulk?owner=X        {"bulkStatus":{name,csvEnabled,jsonEnabled,nextRun,lastRun,status}}
 *   GET /indicators/bulk/json?owner=X   application/json {"indicator":[… each with attribute[] and tag[]]}
 *   GET /indicators/bulk/csv?owner=X    text/csv, header Type,Value,Rating,Confidence
 *
 * The reports hold the owner's active indicators, as every indicator list does by default (the
 * declaration's default filter; spec §4.4, §7.3): a retired indicator is not fed to a blocklist.
 *
 * The reports stream: pages of indicators are read from the v3 engine in id order (keyset, never
 * an offset), each page written to the reply as one chunk, and the next page read only when the
 * reply's stream asks for more (a Readable over an async generator: backpressure stops the reads).
 * An owner's whole list never sits in memory. A failure after the first byte cannot change the
 * status any more: the connection is then closed early, and the client sees a truncated body.
 */
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import { BULK_PAGE_SIZE, bulkStatus, csvReport, exportItems, jsonReport, type CsvIndicator } from '../../../core/intel/bulk-export.js';
import type { Row } from '../../../resources/engine/context.js';
import type { CairnServices } from '../../../services.js';
import { toStoredTime } from '../../../store/database.js';
import { sendJson, sendXml, v2Failures, wantsXml } from '../envelope.js';
import { INDICATOR_VIEW, renderV2, v2RenderContext, v3FieldsFor, type V2RenderContext } from './intel-render.js';
import { V2ListQuery, v2OwnersOf } from './v2-params.js';

const FAILURES = v2Failures(400, 401, 403, 500);

const BulkStatusJson = Type.Object({
  bulkStatus: Type.Object({
    name: Type.String(), csvEnabled: Type.Boolean(), jsonEnabled: Type.Boolean(), nextRun: Type.String(), lastRun: Type.String(), status: Type.Literal('Complete'),
  }),
}, { description: 'No envelope' });
const BulkQuery = Type.Intersect([V2ListQuery, Type.Object({
  runNow: Type.Optional(Type.String({ maxLength: 5, description: 'Accepted; reports are always built from the live data' })),
})]);

/** The one owner a report is about (`owner`, default the caller's organization). */
function reportOwner(request: FastifyRequest): { id: number; name: string; type: string } {
  const owners = v2OwnersOf(request);
  if (owners.length !== 1) throw new CairnError('bad-request', 'A bulk report is about one owner; name one with ?owner=.');
  return request.principal.visibleOwners.find((o) => o.name === owners[0])!;
}

/** A stream of text chunks sent as it is read, with the given Content-Type. */
function sendStream(reply: FastifyReply, contentType: string, chunks: AsyncIterable<string>): FastifyReply {
  return reply.code(200).header('Content-Type', contentType).send(Readable.from(chunks, { objectMode: false }));
}

export function registerV2BulkRoutes(app: FastifyInstance, services: CairnServices): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const engine = services.resources;
  const indicators = engine.registry.named('indicators');

  const pages = (request: FastifyRequest, owner: string, fields: string[]) =>
    exportItems<Row>((afterId) => engine.listAfter(indicators, request.principal, { afterId, limit: BULK_PAGE_SIZE, fields, owner: [owner], exactFields: true }));

  routes.get('/indicators/bulk', {
    schema: {
      summary: 'Whether the owner\'s bulk reports are enabled, and when they ran',
      querystring: BulkQuery,
      response: { 200: { description: 'The report status (no envelope)', content: { 'application/json': { schema: BulkStatusJson }, 'application/xml': { schema: Type.String() } } }, ...FAILURES },
    },
  }, async (request, reply) => {
    const status = bulkStatus(reportOwner(request).name, toStoredTime(new Date(services.now() * 1000)));
    if (wantsXml(request)) {
      return sendXml(reply, 200, { BulkStatus: { Name: status.name, CsvEnabled: status.csvEnabled, JsonEnabled: status.jsonEnabled, NextRun: status.nextRun, LastRun: status.lastRun, Status: status.status } });
    }
    return sendJson(reply, 200, { bulkStatus: status });
  });

  routes.get('/indicators/bulk/json', {
    schema: {
      summary: 'Every indicator of the owner with its attributes and tags, streamed',
      querystring: BulkQuery,
      response: { 200: { description: 'The JSON report (no envelope)', content: { 'application/json': { schema: Type.Object({ indicator: Type.Array(Type.Object({}, { additionalProperties: true })) }) } } }, ...FAILURES },
    },
  }, async (request, reply) => {
    const owner = reportOwner(request);
    // The v2 indicator list item, with its attributes and tags embedded (includeAttributes, includeTags).
    const ctx = v2RenderContext(services, request.principal, false, ['attributes', 'tags']);
    return sendStream(reply, 'application/json', jsonReport(pages(request, owner.name, v3FieldsFor(INDICATOR_VIEW, ctx)), (row) => bulkJsonItem(row, ctx)));
  });

  routes.get('/indicators/bulk/csv', {
    schema: {
      summary: 'Every indicator of the owner as CSV (Type,Value,Rating,Confidence), streamed',
      querystring: BulkQuery,
      response: { 200: { description: 'The CSV report', content: { 'text/csv': { schema: Type.String() } } }, ...FAILURES },
    },
  }, async (request, reply) => {
    const owner = reportOwner(request);
    return sendStream(reply, 'text/csv', csvReport(mapPages(pages(request, owner.name, ['type', 'summary', 'rating', 'confidence']), csvItem)));
  });
}

async function* mapPages<T, U>(pages: AsyncIterable<T[]>, map: (item: T) => U): AsyncGenerator<U[]> {
  for await (const page of pages) yield page.map(map);
}

const csvItem = (row: Row): CsvIndicator => ({ type: String(row.type), summary: String(row.summary), rating: row.rating as number | undefined, confidence: row.confidence as number | undefined });

/** One indicator of the JSON report: the v2 indicator list item, with `attribute[]` and `tag[]`. */
const bulkJsonItem = (row: Row, ctx: V2RenderContext) => renderV2(INDICATOR_VIEW, row, 'list', ctx);
