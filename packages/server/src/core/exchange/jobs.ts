/**
 * Import jobs (migration 0010): created by a surface (the v2 batch API, TAXII, the CLI), filled
 * with an upload already parsed into items and cut into chunks, then queued; the import worker
 * (jobs/import.ts) claims queued jobs and applies their chunks. Every function here takes the
 * database (or a transaction) and checks nothing about the caller: the surface has already
 * decided the owner, and reads pass the owners the caller may see.
 */
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';
import { nowIso } from '../../store/database.js';
import type { ImportItem, ImportSettings, ItemProblem } from './items.js';

export type ImportFormat = 'tc-batch' | 'stix' | 'misp' | 'csv';
export type ImportOrigin = 'tc-batch-api' | 'taxii' | 'cli';
export type ImportStatus = 'Created' | 'Queued' | 'Running' | 'Completed';

/** Items per stored chunk: one transaction of the worker applies one chunk. */
export const ITEMS_PER_CHUNK = 1000;

export interface ImportJob {
  id: number;
  ownerId: number;
  userId: number;
  format: ImportFormat;
  origin: ImportOrigin;
  settings: ImportSettings;
  status: ImportStatus;
  itemCount: number;
  chunkCount: number;
  uploadSize: number;
  successCount: number;
  createdCount: number;
  updatedCount: number;
  errorCount: number;
  errorIndicatorCount: number;
  errorGroupCount: number;
  errorAssociationCount: number;
  unprocessedCount: number;
  /** Why haltOnError stopped the job, when it did. */
  halted: string | null;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

const asNumber = (value: unknown) => Number(value ?? 0);

export function importJobOf(row: Record<string, unknown>): ImportJob {
  return {
    id: asNumber(row.id),
    ownerId: asNumber(row.owner_id),
    userId: asNumber(row.user_id),
    format: row.format as ImportFormat,
    origin: row.origin as ImportOrigin,
    settings: JSON.parse(String(row.settings)) as ImportSettings,
    status: row.status as ImportStatus,
    itemCount: asNumber(row.item_count),
    chunkCount: asNumber(row.chunk_count),
    uploadSize: asNumber(row.upload_size),
    successCount: asNumber(row.success_count),
    createdCount: asNumber(row.created_count),
    updatedCount: asNumber(row.updated_count),
    errorCount: asNumber(row.error_count),
    errorIndicatorCount: asNumber(row.error_indicator_count),
    errorGroupCount: asNumber(row.error_group_count),
    errorAssociationCount: asNumber(row.error_association_count),
    unprocessedCount: asNumber(row.unprocessed_count),
    halted: (row.halted as string | null) ?? null,
    createdAt: String(row.created_at),
    queuedAt: (row.queued_at as string | null) ?? null,
    startedAt: (row.started_at as string | null) ?? null,
    completedAt: (row.completed_at as string | null) ?? null,
  };
}

export interface NewImportJob {
  ownerId: number;
  userId: number;
  format: ImportFormat;
  origin: ImportOrigin;
  settings: ImportSettings;
}

/** A new job in status Created, waiting for its upload; returns its id. */
export async function createImportJob(db: Kysely<any>, job: NewImportJob, now = nowIso()): Promise<number> {
  const row = await db.insertInto('import_jobs').values({
    owner_id: job.ownerId, user_id: job.userId, format: job.format, origin: job.origin,
    settings: JSON.stringify(job.settings), status: 'Created', created_at: now,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The job with `id` among `ownerIds`' jobs, or undefined (another owner's job is not found, never forbidden). */
export async function findImportJob(db: Kysely<any>, id: number, ownerIds: readonly number[]): Promise<ImportJob | undefined> {
  if (!Number.isSafeInteger(id) || ownerIds.length === 0) return undefined;
  const row = await db.selectFrom('import_jobs').selectAll().where('id', '=', id).where('owner_id', 'in', [...ownerIds]).executeTakeFirst();
  return row ? importJobOf(row) : undefined;
}

/** Stores one chunk of a job's upload (seq from 0, in upload order). */
export async function storeImportChunk(db: Kysely<any>, jobId: number, seq: number, items: readonly ImportItem[]): Promise<void> {
  await db.insertInto('import_job_chunks').values({
    job_id: jobId, seq, item_count: items.length, items: Buffer.from(JSON.stringify(items)),
  }).execute();
}

/**
 * Problems found while parsing the upload (malformed items, unknown types): recorded with the
 * job before it is queued, so they are in its errors and counts like the items that fail on apply.
 */
export async function recordImportProblems(db: Kysely<any>, jobId: number, problems: readonly ItemProblem[]): Promise<void> {
  for (let start = 0; start < problems.length; start += 200) {
    await db.insertInto('import_job_errors').values(problems.slice(start, start + 200).map((p) => ({
      job_id: jobId, item_index: p.index, kind: p.kind, code: p.code, severity: p.severity, reason: p.reason, source: p.source.slice(0, 500),
    }))).execute();
  }
}

/**
 * Hands a filled job to the worker: status Queued with its totals. Only a job in status Created
 * can be queued (a second upload to one job is refused). `parseErrors` counts the problems already
 * recorded by `recordImportProblems`, by kind.
 */
export async function queueImportJob(
  db: Kysely<any>, jobId: number,
  totals: { itemCount: number; chunkCount: number; uploadSize: number; parseErrors?: { indicator: number; group: number; association: number; file: number } },
  now = nowIso(),
): Promise<void> {
  const e = totals.parseErrors ?? { indicator: 0, group: 0, association: 0, file: 0 };
  const result = await db.updateTable('import_jobs').set({
    status: 'Queued', queued_at: now, item_count: totals.itemCount, chunk_count: totals.chunkCount, upload_size: totals.uploadSize,
    unprocessed_count: totals.itemCount,
    error_count: e.indicator + e.group + e.association + e.file,
    error_indicator_count: e.indicator, error_group_count: e.group, error_association_count: e.association,
  }).where('id', '=', jobId).where('status', '=', 'Created').executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new CairnError('conflict', `Batch job ${jobId} has its upload already.`);
}

/** The job's problems in upload order, a page at a time. */
export async function listImportProblems(db: Kysely<any>, jobId: number, page: { limit: number; afterId?: number }): Promise<(ItemProblem & { id: number })[]> {
  let query = db.selectFrom('import_job_errors').selectAll().where('job_id', '=', jobId);
  if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
  const rows = await query.orderBy('id').limit(page.limit).execute();
  return rows.map((row) => ({
    id: Number(row.id), index: Number(row.item_index), kind: row.kind, code: row.code, severity: row.severity, reason: row.reason, source: row.source,
  }));
}

// ---------------------------------------------------------------------------------------------
// Uploads (the v2 batch API's `POST /v2/batch/{id}`): a job in status Created receives one upload.
// While an upload is being stored the job is held by `claimed_by` (a token of the upload's) until
// `claimed_until`, so a second upload sent meanwhile is refused instead of mixing its chunks in; a
// node that dies mid-upload leaves the claim to lapse, and the next upload clears what it stored.
// Queued jobs are claimed by the worker alone: the upload's claim is dropped as the job is queued.

const plusSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** How long an upload holds its job between two stored chunks, by default (CAIRN_BATCH_UPLOAD_HOLD_SECONDS). */
export const UPLOAD_LEASE_SECONDS = 120;

/**
 * Holds job `jobId` (status Created, not held by a live upload) for an upload named `token`, and
 * clears any chunks and problems a dead upload left. False when the job is not Created or another
 * upload holds it.
 */
export async function claimImportUpload(db: Kysely<any>, jobId: number, token: string, now = nowIso(), holdSeconds = UPLOAD_LEASE_SECONDS): Promise<boolean> {
  const result = await db.updateTable('import_jobs').set({ claimed_by: token, claimed_until: plusSeconds(now, holdSeconds) })
    .where('id', '=', jobId).where('status', '=', 'Created')
    .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_until', '<', now)]))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await clearImportUpload(db, jobId);
  return true;
}

/** Extends the upload's hold on its job (after each stored chunk). */
export async function renewImportUpload(db: Kysely<any>, jobId: number, token: string, now = nowIso(), holdSeconds = UPLOAD_LEASE_SECONDS): Promise<void> {
  await db.updateTable('import_jobs').set({ claimed_until: plusSeconds(now, holdSeconds) }).where('id', '=', jobId).where('claimed_by', '=', token).execute();
}

async function clearImportUpload(db: Kysely<any>, jobId: number): Promise<void> {
  await db.deleteFrom('import_job_chunks').where('job_id', '=', jobId).execute();
  await db.deleteFrom('import_job_errors').where('job_id', '=', jobId).execute();
}

/** An upload that failed (too large, cut off): what it stored is removed and the job waits, Created, for another. */
export async function abandonImportUpload(db: Kysely<any>, jobId: number, token: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('import_jobs').select('id').where('id', '=', jobId).where('claimed_by', '=', token).where('status', '=', 'Created').executeTakeFirst();
    if (!held) return;
    await clearImportUpload(trx, jobId);
    await trx.updateTable('import_jobs').set({ claimed_by: null, claimed_until: null }).where('id', '=', jobId).execute();
  });
}

/** The stored upload handed to the worker (queueImportJob) and the upload's hold dropped, in one transaction. */
export async function queueImportUpload(db: Kysely<any>, jobId: number, token: string, totals: Parameters<typeof queueImportJob>[2], now = nowIso()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('import_jobs').select('id').where('id', '=', jobId).where('claimed_by', '=', token).executeTakeFirst();
    if (!held) throw new CairnError('conflict', `Batch job ${jobId} lost its upload (it was held too long); upload it again.`);
    await trx.updateTable('import_jobs').set({ claimed_by: null, claimed_until: null }).where('id', '=', jobId).execute();
    await queueImportJob(trx, jobId, totals, now);
  });
}

/**
 * An upload refused as a whole once read (over the indicator limit): nothing of it is stored but the
 * one problem saying why, and the job is Completed at once with every item unprocessed, as
 * ThreatConnect reports it (in the job's errors, which tcex scans for the message).
 */
export async function rejectImportUpload(db: Kysely<any>, jobId: number, token: string, totals: { itemCount: number; uploadSize: number }, problem: ItemProblem, now = nowIso()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('import_jobs').select('id').where('id', '=', jobId).where('claimed_by', '=', token).where('status', '=', 'Created').executeTakeFirst();
    if (!held) throw new CairnError('conflict', `Batch job ${jobId} lost its upload (it was held too long); upload it again.`);
    await clearImportUpload(trx, jobId);
    await recordImportProblems(trx, jobId, [problem]);
    await trx.updateTable('import_jobs').set({
      status: 'Completed', queued_at: now, started_at: now, completed_at: now, claimed_by: null, claimed_until: null,
      item_count: totals.itemCount, chunk_count: 0, upload_size: totals.uploadSize, unprocessed_count: totals.itemCount,
      error_count: 1, halted: problem.reason,
    }).where('id', '=', jobId).execute();
  });
}

/** Whether the job has problems recorded (its errors exist). */
export async function hasImportProblems(db: Kysely<any>, jobId: number): Promise<boolean> {
  return (await db.selectFrom('import_job_errors').select('id').where('job_id', '=', jobId).limit(1).executeTakeFirst()) !== undefined;
}

/** Removes a job that never got its upload (createAndUpload refused after creating it): only while it is Created. */
export async function discardImportJob(db: Kysely<any>, jobId: number): Promise<void> {
  await db.deleteFrom('import_jobs').where('id', '=', jobId).where('status', '=', 'Created').execute();
}
