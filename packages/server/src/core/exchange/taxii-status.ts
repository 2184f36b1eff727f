/**
 * A TAXII 2.1 POST of objects is an import job (format `stix`, origin `taxii`): its envelope is
 * read by the STIX parser into items, stored in chunks and queued for the import worker, and the
 * TAXII status resource (spec §4.3.1) is read from the job.
 *
 * Counts are of the items the objects became (an indicator, a group, a relationship's
 * association): an identity or marking-definition that only qualifies other objects is no item
 * and is not counted. total = success + failure + pending; while the job runs, the items not yet
 * applied are pending; once it completed, items left unapplied by haltOnError count as failures.
 * `failures` lists each failed object (id and version read from the object as posted) when every
 * failure names one; `successes` and `pendings` are not listed (they are optional in the spec).
 */
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';
import { nowIso } from '../../store/database.js';
import { DEFAULT_SETTINGS, type ImportItem, type ItemProblem } from './items.js';
import { createImportJob, findImportJob, ITEMS_PER_CHUNK, listImportProblems, queueImportJob, recordImportProblems, storeImportChunk, type ImportJob } from './jobs.js';
import { isItemProblem, readStixBundle } from './stix/import.js';

export interface TaxiiStatusDetails { id: string; version: string; message?: string }

export interface TaxiiStatus {
  id: string;
  status: 'pending' | 'complete';
  request_timestamp: string;
  total_count: number;
  success_count: number;
  failure_count: number;
  pending_count: number;
  failures?: TaxiiStatusDetails[];
}

/** At most this many failures are listed in a status (the counts are always whole). */
export const MAX_LISTED_FAILURES = 1000;

/**
 * Stores the envelope's objects as a queued import job of the owner's and returns it. The whole
 * upload is one transaction: a crash leaves no half-stored job, and an acknowledged one is whole.
 */
export async function postTaxiiEnvelope(db: Kysely<any>, target: { ownerId: number; userId: number }, envelope: { objects: unknown[] }): Promise<ImportJob> {
  if (!Array.isArray(envelope?.objects)) throw new CairnError('bad-request', 'The body must be a TAXII envelope: {"objects":[…STIX 2.1 objects…]}.');
  if (envelope.objects.length === 0) throw new CairnError('bad-request', 'The envelope has no objects: send {"objects":[…STIX 2.1 objects…]}.');
  // The STIX reader takes a bundle; the envelope's objects are one.
  const bundle = JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects: envelope.objects });
  const jobId = await db.transaction().execute(async (trx) => {
    const now = nowIso();
    const id = await createImportJob(trx, { ownerId: target.ownerId, userId: target.userId, format: 'stix', origin: 'taxii', settings: DEFAULT_SETTINGS }, now);
    const parseErrors = { indicator: 0, group: 0, association: 0, file: 0 };
    const problems: ItemProblem[] = [];
    let chunk: ImportItem[] = [];
    let seq = 0;
    let itemCount = 0;
    for await (const value of readStixBundle(Readable.from([bundle]), { maxBytes: Buffer.byteLength(bundle) + 1 })) {
      if (isItemProblem(value)) {
        problems.push(value);
        parseErrors[value.kind] += value.severity === 'Error' ? 1 : 0;
        continue;
      }
      chunk.push(value);
      itemCount++;
      if (chunk.length === ITEMS_PER_CHUNK) {
        await storeImportChunk(trx, id, seq++, chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await storeImportChunk(trx, id, seq++, chunk);
    await recordImportProblems(trx, id, problems);
    await queueImportJob(trx, id, { itemCount, chunkCount: seq, uploadSize: Buffer.byteLength(bundle), parseErrors }, now);
    return id;
  });
  const job = await findImportJob(db, jobId, [target.ownerId]);
  if (!job) throw new CairnError('internal', `Import job ${jobId} vanished after it was stored.`);
  return job;
}

const STIX_ID = /"id"\s*:\s*"([a-z0-9][a-z0-9-]*--[0-9a-f-]{36})"/;
const MODIFIED = /"modified"\s*:\s*"([^"]{1,40})"/;
const CREATED = /"created"\s*:\s*"([^"]{1,40})"/;

/** The object a failure was about, from the start of the object as posted (its `source`). */
function detailsOf(problem: ItemProblem): TaxiiStatusDetails | undefined {
  const id = STIX_ID.exec(problem.source)?.[1];
  if (id === undefined) return undefined;
  const version = MODIFIED.exec(problem.source)?.[1] ?? CREATED.exec(problem.source)?.[1];
  return { id, version: version ?? '1970-01-01T00:00:00.000Z', message: problem.reason };
}

/** The TAXII status resource of a job. */
export async function taxiiStatusOf(db: Kysely<any>, job: ImportJob): Promise<TaxiiStatus> {
  const complete = job.status === 'Completed';
  const failed = (await listImportProblems(db, job.id, { limit: MAX_LISTED_FAILURES + 1 })).filter((p) => p.severity === 'Error');
  const failureCount = Math.max(job.errorCount, 0) + (complete ? job.unprocessedCount : 0);
  const pendingCount = complete ? 0 : job.unprocessedCount;
  const status: TaxiiStatus = {
    id: String(job.id),
    status: complete ? 'complete' : 'pending',
    request_timestamp: new Date(job.createdAt).toISOString(),
    total_count: job.successCount + failureCount + pendingCount,
    success_count: job.successCount,
    failure_count: failureCount,
    pending_count: pendingCount,
  };
  if (failureCount > 0 && failed.length === failureCount && failureCount <= MAX_LISTED_FAILURES) {
    const details = failed.map(detailsOf);
    if (details.every((d) => d !== undefined)) status.failures = details as TaxiiStatusDetails[];
  }
  return status;
}
