/**
 * The v2 batch API (spec threatconnect.md §5.4), under `/v2`, as tcex (batch_submit.py, batch.py)
 * and the JS SDK (IndicatorsBatch) call it:
 *
 *   POST /batch                         job settings → 201 {"status":"Success","data":{"batchId":N}}
 *   POST /batch/{id}                    the upload (V1 array or V2 object; octet-stream or JSON; gzip
 *                                       when labelled or when it starts with gzip's magic bytes)
 *                                       → 202 {"status":"Queued"} once every item is stored
 *   POST /batch/createAndUpload         multipart `config` then `content` (tcex's default)
 *                                       → 201 {"status":"Success","data":{"batchStatus":{id,status,…}}}
 *   GET  /batch/{id}[?includeAdditional=true]
 *                                       {"status":"Success","data":{"batchStatus":{id,status,errorCount,successCount,unprocessCount[,errorGroupCount,…]}}}
 *   GET  /batch/{id}/errors[/]          [{errorReason,errorSource}] as application/octet-stream; 404 none; 400 Invalid until Completed
 *   GET  /batch/{id}/results            [{code,severity,errorReason,errorMessage}]; ?code= ?contains= ?severity=
 *
 * The status answer is the full form for every status: tcex's poll raises unless `status` is
 * "Success" and the JS SDK reads `data.batchStatus.status`, so the docs' bare `{"status":"Running"}`
 * would break both clients while they wait.
 *
 * The job's owner is the settings' `owner` (or `?owner=`, else the caller's organization), which
 * the caller must be able to see and so write (403 "The requested owner was not found" otherwise, as
 * every v2 route); a job is then found among every owner the caller sees, and another
 * organization's job is the v2 404. Parsing and storing are core/exchange (tc-batch.ts,
 * tc-batch-upload.ts); the worker (jobs/import.ts) applies the stored chunks.
 */
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import type { ImportJob } from '../../../core/exchange/jobs.js';
import { createImportJob, discardImportJob, findImportJob, hasImportProblems, listImportProblems } from '../../../core/exchange/jobs.js';
import type { ItemProblem } from '../../../core/exchange/items.js';
import { parseImportSettings } from '../../../core/exchange/tc-batch.js';
import { storeTcBatchUpload } from '../../../core/exchange/tc-batch-upload.js';
import type { CairnServices } from '../../../services.js';
import { sendJson, sendV2, v2Failures, v2Response, xmlData } from '../envelope.js';
import { NOT_FOUND } from './intel-items.js';
import { parseBooleanText, V2ListQuery, v2NamedOwnersOf, v2Owners } from './v2-params.js';

// ---- Schemas (OpenAPI) ---------------------------------------------------------------------------

const IdParams = Type.Object({ id: Type.String({ maxLength: 20, description: 'The batch job id' }) });
const Counts = {
  id: Type.Integer(), status: Type.Union([Type.Literal('Created'), Type.Literal('Queued'), Type.Literal('Running'), Type.Literal('Completed')]),
  errorCount: Type.Integer(), successCount: Type.Integer(), unprocessCount: Type.Integer(),
  errorGroupCount: Type.Optional(Type.Integer({ description: 'With includeAdditional=true' })),
  errorIndicatorCount: Type.Optional(Type.Integer({ description: 'With includeAdditional=true' })),
  errorAssociationCount: Type.Optional(Type.Integer({ description: 'With includeAdditional=true' })),
};
const BatchStatusJson = Type.Object({ status: Type.Literal('Success'), data: Type.Object({ batchStatus: Type.Object(Counts) }) });
const CreatedJson = Type.Object({ status: Type.Literal('Success'), data: Type.Object({ batchId: Type.Integer() }) });
const QueuedJson = Type.Object({ status: Type.Literal('Queued') });
const InvalidJson = Type.Object({ status: Type.Literal('Invalid'), description: Type.String() }, { description: 'Refused: the upload is too large, or the job is not Completed yet' });
const ErrorsJson = Type.Array(Type.Object({ errorReason: Type.String(), errorSource: Type.String() }));
const ResultsJson = Type.Array(Type.Object({ code: Type.String({ description: '0x1001 … 0x100B, 0x2001 … 0x2003' }), severity: Type.String(), errorReason: Type.String(), errorMessage: Type.String() }));
const Bytes = { type: 'string', format: 'binary' } as const;

const SettingsBody = Type.Unsafe<Record<string, unknown>>({
  description: 'The job settings: `owner` (the owner\'s name; default the caller\'s organization), `version` V1|V2 (default V1), `action` Create|Delete, '
    + '`haltOnError` true|false (or "true"/"false"), `attributeWriteType` Append|Replace|Singleton|Static, `tagWriteType` and `securityLabelWriteType` '
    + 'Append|Replace, `fileMergeMode` Distribute|Merge, `hashCollisionMode` Split|IgnoreIncoming|IgnoreExisting|FavorIncoming|FavorExisting',
});
const StatusQuery = Type.Intersect([V2ListQuery, Type.Object({})]);
const ResultsQuery = Type.Intersect([V2ListQuery, Type.Object({
  code: Type.Optional(Type.String({ maxLength: 10, description: 'Only this error code (0x…)' })),
  contains: Type.Optional(Type.String({ maxLength: 500, description: 'Only results whose reason or message contains this text (any case)' })),
  severity: Type.Optional(Type.String({ maxLength: 10, description: 'err, error, info, warn or warning' })),
})]);

const invalidAnswer = { description: 'Refused: the upload is too large, or the job is not Completed yet', content: { 'application/json': { schema: InvalidJson } } };

// ---- Reading ------------------------------------------------------------------------------------

/** `{id}`: digits only; anything else names no job (404, as another organization's job). */
function jobIdOf(request: FastifyRequest): number {
  const raw = (request.params as { id: string }).id;
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new CairnError('not-found', NOT_FOUND);
  return id;
}

/**
 * The job `{id}` names, among the owners `?owner=` names (403 for one the caller cannot see, as on
 * every v2 route) or else among every owner the caller sees (tcex polls with no owner).
 */
async function jobOf(services: CairnServices, request: FastifyRequest): Promise<ImportJob> {
  const named = v2NamedOwnersOf(request);
  const owners = named ? request.principal.visibleOwners.filter((o) => named.includes(o.name)).map((o) => o.id) : [...request.principal.visibleOwnerIds];
  const job = await findImportJob(services.store.db, jobIdOf(request), owners);
  // Jobs of other formats (a CLI or TAXII import) are not batch jobs.
  if (!job || job.format !== 'tc-batch') throw new CairnError('not-found', NOT_FOUND);
  return job;
}

/** The owner a new job writes to: the settings' `owner`, else `?owner=`, else the caller's organization; 403 for one the caller cannot see. */
function jobOwner(request: FastifyRequest, settingsOwner: unknown): number {
  const named = typeof settingsOwner === 'string' && settingsOwner.trim() !== '' ? settingsOwner : v2NamedOwnersOf(request)?.[0];
  const [name] = v2Owners(request.principal, named);
  const owner = request.principal.visibleOwners.find((o) => o.name === name);
  if (!owner) throw new CairnError('forbidden', 'The requested owner was not found');
  return owner.id;
}

function batchStatusOf(job: ImportJob, additional: boolean): Record<string, unknown> {
  const status: Record<string, unknown> = {
    id: job.id, status: job.status, errorCount: job.errorCount, successCount: job.successCount, unprocessCount: job.unprocessedCount,
  };
  if (additional) Object.assign(status, { errorGroupCount: job.errorGroupCount, errorIndicatorCount: job.errorIndicatorCount, errorAssociationCount: job.errorAssociationCount });
  return status;
}

const wantsAdditional = (request: FastifyRequest) => {
  const query = request.query as Record<string, string | string[] | undefined>;
  const key = Object.keys(query).find((k) => k.toLowerCase() === 'includeadditional');
  const value = key === undefined ? undefined : query[key];
  return parseBooleanText('includeAdditional', Array.isArray(value) ? value[value.length - 1] : value) ?? false;
};

function sendBatchStatus(request: FastifyRequest, reply: FastifyReply, status: number, job: ImportJob): FastifyReply {
  const batchStatus = batchStatusOf(job, wantsAdditional(request));
  const pascal = Object.fromEntries(Object.entries(batchStatus).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v]));
  return sendV2(request, reply, status, { status: 'Success', data: { batchStatus } },
    () => ({ batchStatusResponse: { Status: 'Success', Data: xmlData('batchStatusResponseData', { BatchStatus: pascal }) } }));
}

/** `{"status":"Invalid","description":…}`: the batch API's own refusals (spec §5.4). */
const sendInvalid = (reply: FastifyReply, description: string) => sendJson(reply, 400, { status: 'Invalid', description });

function notCompleted(job: ImportJob): string | undefined {
  return job.status === 'Completed' ? undefined : `Batch still in ${job.status} state`;
}

/** The job's problems, page by page, as the elements of one JSON array (a job may have 25,000). */
function problemArray(services: CairnServices, jobId: number, render: (p: ItemProblem & { id: number }) => unknown | undefined): Readable {
  const db = services.store.db;
  return Readable.from((async function* () {
    yield '[';
    let first = true;
    let afterId: number | undefined;
    for (;;) {
      const page = await listImportProblems(db, jobId, { limit: 1000, afterId });
      if (page.length === 0) break;
      const parts: string[] = [];
      for (const problem of page) {
        const rendered = render(problem);
        if (rendered === undefined) continue;
        parts.push((first ? '' : ',') + JSON.stringify(rendered));
        first = false;
      }
      if (parts.length > 0) yield parts.join('');
      afterId = page[page.length - 1]!.id;
    }
    yield ']';
  })(), { objectMode: false });
}

const SEVERITIES: Record<string, ItemProblem['severity'] | 'Info'> = { err: 'Error', error: 'Error', warn: 'Warning', warning: 'Warning', info: 'Info' };

/** The settings as sent: JSON, or JSON bytes under another label (octet-stream); anything else is left for parseImportSettings to refuse. */
function settingsBodyOf(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new CairnError('bad-request', 'The batch job settings must be a JSON object such as {"version":"V2","owner":"…","action":"Create","haltOnError":"false"}.');
  }
}

// ---- Uploads ------------------------------------------------------------------------------------

class UploadTooLarge extends Error {}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The upload's bytes, counted against `limit` as they arrive and again once inflated when the body
 * is gzip (labelled `Content-Encoding: gzip`, or starting with gzip's magic bytes as a .gz file does):
 * a body or a decompressed stream past the limit stops with UploadTooLarge.
 */
function uploadBytes(body: AsyncIterable<Buffer> | undefined, limit: number, gzipLabelled: boolean): { bytes: AsyncIterable<Buffer>; received(): number } {
  let raw = 0;
  let inflated = 0;
  const counted = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      raw += chunk.length;
      if (raw > limit) throw new UploadTooLarge();
      yield chunk;
    }
  };
  const bytes = async function* () {
    if (!body) return;
    const iterator = counted(body)[Symbol.asyncIterator]();
    const head = await iterator.next();
    if (head.done) return;
    const rest = async function* () {
      yield head.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    };
    const gzip = gzipLabelled || (head.value[0] === GZIP_MAGIC[0] && head.value[1] === GZIP_MAGIC[1]);
    if (!gzip) { yield* rest(); return; }
    const gunzip = zlib.createGunzip();
    pipeline(Readable.from(rest()), gunzip, () => {});
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        inflated += chunk.length;
        if (inflated > limit) throw new UploadTooLarge();
        yield chunk;
      }
    } catch (error) {
      if (error instanceof UploadTooLarge) throw error;
      if (typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('Z_')) {
        throw new CairnError('bad-request', 'The upload is gzip-compressed (or labelled so) but is not valid gzip data.');
      }
      throw error;
    } finally {
      gunzip.destroy();
    }
  };
  return { bytes: bytes(), received: () => Math.max(raw, inflated) };
}

const isTooLarge = (error: unknown) => error instanceof UploadTooLarge || (error as { code?: unknown } | null)?.code === 'FST_REQ_FILE_TOO_LARGE';

/** Reads a small part (createAndUpload's `config`) whole, at most `max` bytes. */
async function smallText(source: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > max) throw new CairnError('bad-request', `The config part must be at most ${max} bytes of JSON.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(source: AsyncIterable<Buffer>): Promise<void> {
  for await (const _chunk of source) { /* discarded */ }
}

// ---- Routes -------------------------------------------------------------------------------------

export function registerV2BatchRoutes(app: FastifyInstance, services: CairnServices): void {
  const db = services.store.db;
  const limits = services.config.batch;
  const tooLargeMessage = () => limits.uploadLimitMessage.replace('{limit}', String(limits.maxUploadBytes));
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post('/batch', {
    schema: {
      summary: 'Create a batch job (its settings); upload to it with POST /v2/batch/{id}',
      querystring: V2ListQuery, body: SettingsBody,
      response: { 201: v2Response(CreatedJson, 'The job, waiting for its upload'), ...v2Failures(400, 401, 403, 500) },
    },
  }, async (request, reply) => {
    const body = settingsBodyOf(request.body);
    const settings = parseImportSettings(body);
    const ownerId = jobOwner(request, (body as Record<string, unknown>).owner);
    const id = await createImportJob(db, { ownerId, userId: request.principal.userId, format: 'tc-batch', origin: 'tc-batch-api', settings });
    return sendV2(request, reply, 201, { status: 'Success', data: { batchId: id } },
      () => ({ batchResponse: { Status: 'Success', Data: xmlData('batchResponseData', { BatchId: id }) } }));
  });

  typed.get('/batch/:id', {
    schema: {
      summary: 'A batch job\'s status and counts (Created, Queued, Running, Completed)',
      params: IdParams, querystring: StatusQuery,
      response: { 200: v2Response(BatchStatusJson, 'The job\'s status'), ...v2Failures(400, 401, 404, 500) },
    },
  }, async (request, reply) => sendBatchStatus(request, reply, 200, await jobOf(services, request)));

  typed.get('/batch/:id/errors', {
    schema: {
      summary: 'The errors of a completed batch job (also with a trailing /, as the JS SDK asks): a JSON array sent as application/octet-stream',
      params: IdParams, querystring: V2ListQuery,
      response: { 200: { description: 'The errors', content: { 'application/octet-stream': { schema: Bytes } } }, 400: invalidAnswer, ...v2Failures(401, 404, 500) },
    },
  }, async (request, reply) => {
    const job = await jobOf(services, request);
    const pending = notCompleted(job);
    if (pending) return sendInvalid(reply, pending);
    if (!await hasImportProblems(db, job.id)) throw new CairnError('not-found', `Batch job ${job.id} has no errors.`);
    return reply.code(200).header('Content-Type', 'application/octet-stream')
      .send(problemArray(services, job.id, (p) => ({ errorReason: p.reason, errorSource: p.source })) as never);
  });

  typed.get('/batch/:id/results', {
    schema: {
      summary: 'The error details of a completed batch job: code, severity, reason and message of each',
      params: IdParams, querystring: ResultsQuery,
      response: { 200: { description: 'The results', content: { 'application/json': { schema: ResultsJson } } }, 400: invalidAnswer, ...v2Failures(401, 404, 500) },
    },
  }, async (request, reply) => {
    const job = await jobOf(services, request);
    const { code, contains, severity } = request.query as { code?: string; contains?: string; severity?: string };
    if (code !== undefined && code !== '' && !/^0x[0-9a-fA-F]{4}$/.test(code)) throw new CairnError('bad-request', `code must be an error code such as 0x1005; got "${code.slice(0, 12)}".`);
    const wanted = severity === undefined || severity === '' ? undefined : SEVERITIES[severity.toLowerCase()];
    if (severity !== undefined && severity !== '' && wanted === undefined) throw new CairnError('bad-request', `severity takes err, error, info, warn or warning; got "${severity.slice(0, 12)}".`);
    const pending = notCompleted(job);
    if (pending) return sendInvalid(reply, pending);
    if (!await hasImportProblems(db, job.id)) throw new CairnError('not-found', `Batch job ${job.id} has no errors.`);
    const needle = contains?.toLowerCase();
    return reply.code(200).header('Content-Type', 'application/json').send(problemArray(services, job.id, (p) => {
      // The item as uploaded (its start), or where a file problem happened.
      const errorMessage = p.source;
      if (code && p.code.toLowerCase() !== code.toLowerCase()) return undefined;
      if (wanted && p.severity !== wanted) return undefined;
      if (needle && !p.reason.toLowerCase().includes(needle) && !errorMessage.toLowerCase().includes(needle)) return undefined;
      return { code: p.code, severity: p.severity, errorReason: p.reason, errorMessage };
    }) as never);
  });

  // The uploads read their bodies as streams, whatever they are labelled (tcex: octet-stream; a
  // client may say JSON): a scope whose only parser hands the request stream on, and multipart.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    await scope.register(multipart, {
      isPartAFile: () => true,
      throwFileSizeLimit: true,
      limits: { fileSize: limits.maxUploadBytes + 1, files: 4, fields: 0, parts: 4, headerPairs: 100 },
    });
    const streaming = scope.withTypeProvider<TypeBoxTypeProvider>();

    /** Stores an upload into a job; false when it was too large (nothing kept: the caller answers Invalid). */
    const store = async (job: { id: number; ownerId: number }, body: AsyncIterable<Buffer> | undefined, gzipLabelled: boolean, declared: number) => {
      if (Number.isFinite(declared) && declared > limits.maxUploadBytes) return false;
      const upload = uploadBytes(body, limits.maxUploadBytes, gzipLabelled);
      try {
        await storeTcBatchUpload(db, job.id, [job.ownerId], upload.bytes, { maxIndicators: limits.maxIndicators, uploadSize: upload.received, holdSeconds: limits.uploadHoldSeconds });
      } catch (error) {
        if (!isTooLarge(error)) throw error;
        return false;
      }
      return true;
    };
    /** The size refusal: the rest of the body is not read, so the connection closes after the answer. */
    const refuseTooLarge = (reply: FastifyReply) => sendInvalid(reply.header('Connection', 'close'), tooLargeMessage());

    streaming.post('/batch/:id', {
      schema: {
        summary: 'Upload a batch job\'s file: a V1 array of indicators or a V2 {indicator,group,association} object (JSON, gzip accepted); queued once stored',
        params: IdParams, querystring: V2ListQuery,
        consumes: ['application/octet-stream', 'application/json'],
        body: Type.Unknown({ description: 'The batch file\'s bytes' }),
        response: { 202: v2Response(QueuedJson, 'Stored and queued'), 400: invalidAnswer, ...v2Failures(401, 404, 500) },
      },
    }, async (request, reply) => {
      const job = await jobOf(services, request);
      if (job.status !== 'Created') {
        reply.header('Connection', 'close');
        throw new CairnError('bad-request', `Batch job ${job.id} has its upload already (status ${job.status}); a batch job takes one upload: create a new job for more.`);
      }
      const body = request.body instanceof Readable ? (request.body as AsyncIterable<Buffer>) : undefined;
      if (!await store(job, body, /gzip/i.test(String(request.headers['content-encoding'] ?? '')), Number(request.headers['content-length']))) return refuseTooLarge(reply);
      return sendV2(request, reply, 202, { status: 'Queued' }, () => ({ batchResponse: { Status: 'Queued' } }));
    });

    streaming.post('/batch/createAndUpload', {
      schema: {
        summary: 'Create a batch job and upload its file in one request (tcex\'s default): multipart parts `config` (the settings) and then `content` (the file)',
        querystring: V2ListQuery,
        consumes: ['multipart/form-data'],
        body: Type.Unknown({ description: 'multipart/form-data: `config` (JSON settings, as POST /v2/batch takes) and `content` (the batch file)' }),
        response: { 201: v2Response(BatchStatusJson, 'The job, stored and queued'), 400: invalidAnswer, ...v2Failures(401, 403, 500) },
      },
    }, async (request, reply) => {
      if (!request.isMultipart()) throw new CairnError('bad-request', 'createAndUpload takes multipart/form-data with a `config` part (the job settings) and then a `content` part (the batch file).');
      let job: { id: number; ownerId: number } | undefined;
      let uploaded = false;
      let tooLarge = false;
      try {
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue;
          if (part.fieldname === 'config' && !job) {
            let settingsBody: unknown;
            try {
              settingsBody = JSON.parse(await smallText(part.file, 64 * 1024));
            } catch (error) {
              if (error instanceof CairnError) throw error;
              throw new CairnError('bad-request', 'The config part must be the job settings as JSON.');
            }
            const settings = parseImportSettings(settingsBody);
            const ownerId = jobOwner(request, (settingsBody as Record<string, unknown>).owner);
            job = { id: await createImportJob(db, { ownerId, userId: request.principal.userId, format: 'tc-batch', origin: 'tc-batch-api', settings }), ownerId };
          } else if (part.fieldname === 'content' && !uploaded) {
            if (!job) throw new CairnError('bad-request', 'The config part must come before the content part.');
            uploaded = true;
            if (!await store(job, part.file, false, NaN)) { tooLarge = true; break; }
          } else {
            await drain(part.file);
          }
        }
      } catch (error) {
        if (!isTooLarge(error)) {
          // The job made for a request that fails is removed before the answer goes out.
          if (job) await discardImportJob(db, job.id);
          throw error;
        }
        tooLarge = true;
      }
      if (tooLarge || !job || !uploaded) {
        if (job) await discardImportJob(db, job.id);
        if (tooLarge) return refuseTooLarge(reply);
        throw new CairnError('bad-request', 'createAndUpload needs a `config` part (the job settings) and then a `content` part (the batch file).');
      }
      const stored = await findImportJob(db, job.id, [job.ownerId]);
      return sendBatchStatus(request, reply, 201, stored!);
    });
  });
}
