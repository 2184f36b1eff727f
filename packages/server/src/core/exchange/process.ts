/**
 * Processing an import job (jobs/import.ts runs this in the background of `cairn serve` and
 * `cairn worker`).
 *
 * - A worker holds a job by a lease: `claimed_by` (its id) until `claimed_until`. Claiming is one
 *   conditional UPDATE (a Queued job, or a Running one whose lease ended or was released), so of
 *   two workers on one PostgreSQL exactly one gets it. A job whose worker died (kill -9) is taken
 *   over once its lease ends.
 * - Each chunk is applied in ONE transaction that first renews the lease with an UPDATE
 *   conditional on `claimed_by` being this worker (the job row stays locked until the commit, so a
 *   worker taking the job over waits for it, then finds the chunk done), marks the chunk done
 *   (conditional on it not being done), applies its items (core/exchange/apply.ts), records their
 *   problems and adds the counts to the job. A crash at any point leaves either the whole chunk
 *   or nothing of it, so after a restart no item is applied twice and none is lost.
 * - A chunk whose transaction fails (a dropped connection, a deadlock) is tried again; after
 *   three failures its items are recorded as 0x1004 errors and the job goes on.
 * - Status Queued → Running → Completed; Completed also when haltOnError stopped the job (then
 *   `halted` says why and the items after the failed one are counted unprocessed).
 */
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';
import { nowIso, toStoredTime } from '../../store/database.js';
import { applyItems, SeenItems } from './apply.js';
import { ITEM_ERROR_CODES, type ImportItem, type ItemProblem } from './items.js';
import { isPostgresDb } from './bulk-sql.js';
import { importJobOf, recordImportProblems, type ImportJob } from './jobs.js';

/** How long a claim lasts unless renewed (each chunk renews it). */
export const DEFAULT_LEASE_MS = 60_000;
/** Tries of one chunk before its items are recorded as failed. */
const CHUNK_ATTEMPTS = 3;
/**
 * On SQLite (one writer, every statement synchronous) several stored chunks are applied in one
 * transaction, up to this many items: a commit and the per-call planning cost are paid once per
 * group instead of once per chunk. All chunks of a group are marked done in that transaction, so
 * crash safety is the same as for one chunk. PostgreSQL keeps one chunk per transaction (shorter
 * locks for concurrent workers and readers).
 */
export const SQLITE_GROUP_ITEMS = 10_000;

export interface ProcessOptions {
  workerId: string;
  onProgress?: (job: ImportJob) => void;
  /** The lease length (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
  /** Items applied per transaction on SQLite (whole chunks; default SQLITE_GROUP_ITEMS; 0: one chunk each). PostgreSQL: one chunk each. */
  groupItems?: number;
  /** Aborted: stop after the chunk in flight and release the job for another worker. */
  signal?: AbortSignal;
}

const leaseEnd = (leaseMs: number) => new Date(Date.now() + leaseMs).toISOString();

/**
 * Claims `jobId` for `workerId` when it is Queued, or Running with its lease ended or released,
 * or already this worker's. Returns whether this worker holds it now.
 */
export async function claimImportJob(db: Kysely<any>, jobId: number, workerId: string, leaseMs = DEFAULT_LEASE_MS): Promise<boolean> {
  const now = nowIso();
  const result = await db.updateTable('import_jobs')
    .set((eb: any) => ({ status: 'Running', claimed_by: workerId, claimed_until: leaseEnd(leaseMs), started_at: eb.fn.coalesce('started_at', eb.val(now)) }))
    .where('id', '=', jobId)
    .where((eb: any) => eb.or([
      eb('status', '=', 'Queued'),
      eb.and([eb('status', '=', 'Running'), eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now), eb('claimed_by', '=', workerId)])]),
    ]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Claims the oldest job waiting for a worker (Queued, or Running with no live lease); its id, or undefined. */
export async function claimNextImportJob(db: Kysely<any>, workerId: string, leaseMs = DEFAULT_LEASE_MS): Promise<number | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = nowIso();
    const candidates = await db.selectFrom('import_jobs').select('id')
      .where((eb: any) => eb.or([
        eb('status', '=', 'Queued'),
        eb.and([eb('status', '=', 'Running'), eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)])]),
      ]))
      .orderBy('queued_at').orderBy('id').limit(5).execute();
    if (candidates.length === 0) return undefined;
    for (const candidate of candidates) {
      if (await claimImportJob(db, Number(candidate.id), workerId, leaseMs)) return Number(candidate.id);
    }
  }
  return undefined;
}

/** Gives the job back (a worker stopping): another worker may take it at once. */
export async function releaseImportJob(db: Kysely<any>, jobId: number, workerId: string): Promise<void> {
  await db.updateTable('import_jobs').set({ claimed_by: null, claimed_until: null })
    .where('id', '=', jobId).where('claimed_by', '=', workerId).where('status', '=', 'Running').execute();
}

async function readJob(db: Kysely<any>, jobId: number): Promise<ImportJob> {
  const row = await db.selectFrom('import_jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
  if (!row) throw new CairnError('not-found', `Import job ${jobId} was not found.`);
  return importJobOf(row);
}

class LeaseLost extends Error {}

const itemsOf = (blob: unknown): ImportItem[] => JSON.parse(Buffer.isBuffer(blob) ? blob.toString('utf8') : blob instanceof Uint8Array ? Buffer.from(blob).toString('utf8') : String(blob)) as ImportItem[];

interface ChunkInfo { seq: number; itemCount: number; firstIndex: number; done: boolean }

/**
 * Processes the job: claims it, applies its chunks not yet done, in order, and completes it;
 * returns the job as it then is. Resumable: a job left Running by a worker that died goes on
 * from its first chunk not done. Throws a conflict when another worker holds the job.
 */
export async function processImportJob(db: Kysely<any>, jobId: number, options: ProcessOptions): Promise<ImportJob> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const { workerId } = options;
  let job = await readJob(db, jobId);
  if (job.status === 'Completed') return job;
  if (job.status === 'Created') throw new CairnError('conflict', `Import job ${jobId} has no upload yet.`);
  if (!await claimImportJob(db, jobId, workerId, leaseMs)) throw new CairnError('conflict', `Import job ${jobId} is being processed by another worker.`);

  const chunkRows = await db.selectFrom('import_job_chunks').select(['seq', 'item_count', 'done_at']).where('job_id', '=', jobId).orderBy('seq').execute();
  const chunks: ChunkInfo[] = [];
  let index = 0;
  for (const row of chunkRows) {
    chunks.push({ seq: Number(row.seq), itemCount: Number(row.item_count), firstIndex: index, done: row.done_at !== null });
    index += Number(row.item_count);
  }
  // What the chunks already done named: duplicates across chunks (core/exchange/apply.ts).
  const seen = new SeenItems();
  for (const chunk of chunks) {
    if (!chunk.done) continue;
    const row = await db.selectFrom('import_job_chunks').select('items').where('job_id', '=', jobId).where('seq', '=', chunk.seq).executeTakeFirstOrThrow();
    seen.addItems(itemsOf(row.items));
  }

  // Groups of chunks applied together (SQLite without haltOnError; otherwise one chunk each).
  const groupItems = !isPostgresDb(db) && !job.settings.haltOnError ? options.groupItems ?? SQLITE_GROUP_ITEMS : 0;
  const groups: ChunkInfo[][] = [];
  for (const chunk of chunks) {
    if (chunk.done) continue;
    const last = groups[groups.length - 1];
    if (last && last.reduce((n, c) => n + c.itemCount, 0) + chunk.itemCount <= groupItems && last[last.length - 1]!.seq < chunk.seq) last.push(chunk);
    else groups.push([chunk]);
  }

  try {
    for (const group of groups) {
      // On SQLite every statement is synchronous: between chunks the event loop serves requests, signals and logs.
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) {
        await releaseImportJob(db, jobId, workerId);
        return await readJob(db, jobId);
      }
      let halted = false;
      if (group.length > 1 && await applyGroup(db, job, group, workerId, leaseMs, seen)) {
        // Applied whole.
      } else {
        // One chunk, or a group that could not be applied together: chunk by chunk, each with its retries.
        for (const chunk of group) {
          halted = await applyChunkWithRetries(db, job, chunk, workerId, leaseMs, seen);
          if (halted) break;
        }
      }
      job = await readJob(db, jobId);
      options.onProgress?.(job);
      if (halted) break;
    }
    await db.updateTable('import_jobs')
      .set((eb: any) => ({
        status: 'Completed', completed_at: nowIso(), claimed_by: null, claimed_until: null,
        // Items no chunk reached (a halt) stay unprocessed; otherwise every item was applied or failed.
        unprocessed_count: eb.case().when('halted', 'is', null).then(0).else(eb.ref('unprocessed_count')).end(),
      }))
      .where('id', '=', jobId).where('claimed_by', '=', workerId).execute();
  } catch (error) {
    if (error instanceof LeaseLost) throw new CairnError('conflict', `Import job ${jobId} was taken over by another worker (this worker's lease ended).`);
    throw error;
  }
  job = await readJob(db, jobId);
  options.onProgress?.(job);
  return job;
}

async function applyChunkWithRetries(db: Kysely<any>, job: ImportJob, chunk: ChunkInfo, workerId: string, leaseMs: number, seen: SeenItems): Promise<boolean> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= CHUNK_ATTEMPTS; attempt++) {
    try {
      return await applyChunk(db, job, chunk, workerId, leaseMs, seen);
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      lastError = error;
    }
  }
  // The chunk cannot be applied: its items fail with the reason, and the job goes on.
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  return db.transaction().execute(async (trx) => {
    await renewLease(trx, job.id, workerId, leaseMs);
    const row = await trx.selectFrom('import_job_chunks').select('items').where('job_id', '=', job.id).where('seq', '=', chunk.seq).executeTakeFirstOrThrow();
    let items: unknown[];
    try {
      items = itemsOf(row.items);
    } catch {
      // A chunk that cannot even be read: each of its items fails with the reason.
      items = Array.from({ length: chunk.itemCount }, () => null);
    }
    const problems: ItemProblem[] = items.map((item, i) => ({
      index: chunk.firstIndex + i, kind: (['indicator', 'group', 'association'] as const).find((k) => k === (item as { kind?: unknown })?.kind) ?? 'file',
      code: ITEM_ERROR_CODES.internal, severity: 'Error', reason: `The item could not be written: ${message.slice(0, 300)}`, source: (JSON.stringify(item) ?? '').slice(0, 500),
    }));
    await finishChunk(trx, job, chunk, workerId, { created: 0, updated: 0, deleted: 0, unchanged: 0, failed: items.length, problems }, items.length);
    return false;
  });
}

async function renewLease(trx: Kysely<any>, jobId: number, workerId: string, leaseMs: number): Promise<void> {
  const renewed = await trx.updateTable('import_jobs').set({ claimed_until: leaseEnd(leaseMs) })
    .where('id', '=', jobId).where('claimed_by', '=', workerId).where('status', '=', 'Running').executeTakeFirst();
  if (Number(renewed.numUpdatedRows) !== 1) throw new LeaseLost();
}

/** Applies one chunk in one transaction; returns whether haltOnError stopped the job in it. */
async function applyChunk(db: Kysely<any>, job: ImportJob, chunk: ChunkInfo, workerId: string, leaseMs: number, seen: SeenItems): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await renewLease(trx, job.id, workerId, leaseMs);
    const row = await trx.selectFrom('import_job_chunks').select(['items', 'done_at']).where('job_id', '=', job.id).where('seq', '=', chunk.seq).executeTakeFirstOrThrow();
    if (row.done_at !== null) return false;
    const items = itemsOf(row.items);
    const outcome = await applyItems(trx, {
      ownerId: job.ownerId, userId: job.userId, settings: job.settings, now: toStoredTime(new Date()), firstIndex: chunk.firstIndex, seen,
    }, items);
    const processed = outcome.haltedAt === undefined ? items.length : outcome.haltedAt - chunk.firstIndex + 1;
    await finishChunk(trx, job, chunk, workerId, outcome, processed);
    return outcome.haltedAt !== undefined;
  });
}

/**
 * Applies several chunks (consecutive, not done, no haltOnError) as one in one transaction: all are
 * marked done in it, or none. Returns false (nothing written) when the group cannot be applied
 * together (a chunk done meanwhile, a failed statement); the caller then goes chunk by chunk.
 */
async function applyGroup(db: Kysely<any>, job: ImportJob, group: ChunkInfo[], workerId: string, leaseMs: number, seen: SeenItems): Promise<boolean> {
  seen.snapshot();
  try {
    const applied = await db.transaction().execute(async (trx) => {
      await renewLease(trx, job.id, workerId, leaseMs);
      const rows = await trx.selectFrom('import_job_chunks').select(['seq', 'items', 'done_at']).where('job_id', '=', job.id)
        .where('seq', 'in', group.map((c) => c.seq)).orderBy('seq').execute();
      if (rows.length !== group.length || rows.some((r) => r.done_at !== null)) return false;
      const items: ImportItem[] = [];
      for (const [i, row] of rows.entries()) {
        const chunkItems = itemsOf(row.items);
        if (Number(row.seq) !== group[i]!.seq || chunkItems.length !== group[i]!.itemCount) return false;
        for (const item of chunkItems) items.push(item);
      }
      const first = group[0]!;
      const outcome = await applyItems(trx, {
        ownerId: job.ownerId, userId: job.userId, settings: job.settings, now: toStoredTime(new Date()), firstIndex: first.firstIndex, seen,
      }, items);
      if (outcome.haltedAt !== undefined) throw new Error('haltOnError is not applied in groups');
      for (const chunk of group.slice(1)) await markChunkDone(trx, job, chunk, workerId);
      await finishChunk(trx, job, first, workerId, outcome, items.length);
      return true;
    });
    if (applied) seen.keep();
    else seen.restore();
    return applied;
  } catch (error) {
    if (error instanceof LeaseLost) throw error;
    // Rolled back: what the group added to `seen` was not written.
    seen.restore();
    return false;
  }
}

async function markChunkDone(trx: Kysely<any>, job: ImportJob, chunk: ChunkInfo, workerId: string): Promise<void> {
  const marked = await trx.updateTable('import_job_chunks').set({ done_at: nowIso(), applied_by: workerId })
    .where('job_id', '=', job.id).where('seq', '=', chunk.seq).where('done_at', 'is', null).executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) throw new LeaseLost();
}

async function finishChunk(
  trx: Kysely<any>, job: ImportJob, chunk: ChunkInfo, workerId: string,
  outcome: { created: number; updated: number; deleted: number; unchanged: number; failed: number; problems: ItemProblem[]; haltedAt?: number }, processed: number,
): Promise<void> {
  await markChunkDone(trx, job, chunk, workerId);
  await recordImportProblems(trx, job.id, outcome.problems);
  const errors = outcome.problems.filter((p) => p.severity === 'Error');
  const count = (kind: string) => errors.filter((p) => p.kind === kind).length;
  const halted = outcome.haltedAt === undefined ? undefined
    : `Halted at item ${outcome.haltedAt + 1}: ${errors.find((p) => p.index === outcome.haltedAt)?.reason ?? 'it failed'} (haltOnError).`;
  await trx.updateTable('import_jobs').set((eb: any) => ({
    success_count: eb('success_count', '+', outcome.created + outcome.updated + outcome.deleted + outcome.unchanged),
    created_count: eb('created_count', '+', outcome.created),
    updated_count: eb('updated_count', '+', outcome.updated + outcome.deleted),
    error_count: eb('error_count', '+', errors.length),
    error_indicator_count: eb('error_indicator_count', '+', count('indicator')),
    error_group_count: eb('error_group_count', '+', count('group')),
    error_association_count: eb('error_association_count', '+', count('association')),
    unprocessed_count: eb('unprocessed_count', '-', processed),
    ...(halted !== undefined ? { halted: halted.slice(0, 1000) } : {}),
  })).where('id', '=', job.id).execute();
}
