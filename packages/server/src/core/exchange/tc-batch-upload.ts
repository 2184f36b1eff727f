/**
 * Storing a v2 batch upload into its job (spec threatconnect.md §5.4): the body is read as it
 * arrives (readTcBatch), its items stored ITEMS_PER_CHUNK at a time and its problems recorded as
 * they come, then the job is queued for the worker. The upload is acknowledged only after all of
 * that is committed; an upload that fails part-way (too large, cut off) leaves nothing behind and
 * the job waits for another. Past the indicator limit nothing is stored: the job completes at once
 * with the limit's message in its errors.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';
import {
  abandonImportUpload, claimImportUpload, findImportJob, ITEMS_PER_CHUNK, queueImportUpload, recordImportProblems, rejectImportUpload,
  renewImportUpload, storeImportChunk, UPLOAD_LEASE_SECONDS,
} from './jobs.js';
import { ITEM_ERROR_CODES, type ImportItem, type ItemProblem } from './items.js';
import { readTcBatch } from './tc-batch.js';

export interface TcBatchUploadOptions {
  /** Indicators one job may hold (CAIRN_BATCH_MAX_INDICATORS). */
  maxIndicators: number;
  /** The bytes received, read once the body has ended. */
  uploadSize(): number;
  /** How long the upload holds its job past its last stored chunk (default UPLOAD_LEASE_SECONDS). */
  holdSeconds?: number;
}

export interface TcBatchUploadOutcome {
  itemCount: number;
  chunkCount: number;
  indicatorCount: number;
  problemCount: number;
  /** The indicator limit was passed: the job is Completed with nothing applied. */
  rejected: boolean;
}

/** The limit's message: tcex treats an error containing "would exceed the number of allowed indicators" as critical. */
export function indicatorLimitReason(count: number, limit: number): string {
  return `The batch job was not processed: its ${count} indicators would exceed the number of allowed indicators per batch job (${limit}). Split the upload into several batch jobs.`;
}

const PROBLEMS_PER_INSERT = 200;

/**
 * Reads `input` into job `jobId`, which the caller has found among the owners it may write. A job
 * that is not waiting for its upload (status Created) is a 400 saying so.
 */
export async function storeTcBatchUpload(db: Kysely<any>, jobId: number, ownerIds: readonly number[], input: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>, options: TcBatchUploadOptions): Promise<TcBatchUploadOutcome> {
  const token = `upload:${crypto.randomUUID()}`;
  const hold = options.holdSeconds ?? UPLOAD_LEASE_SECONDS;
  if (!await claimImportUpload(db, jobId, token, undefined, hold)) {
    const job = await findImportJob(db, jobId, ownerIds);
    if (job && job.status === 'Created') throw new CairnError('bad-request', `Batch job ${jobId} is receiving an upload already; wait for it to be acknowledged (an upload cut off is forgotten ${hold} s after its last stored chunk).`);
    throw new CairnError('bad-request', `Batch job ${jobId} has its upload already (status ${job?.status ?? 'unknown'}); a batch job takes one upload: create a new job for more.`);
  }
  let chunk: ImportItem[] = [];
  let problems: ItemProblem[] = [];
  const counts = { items: 0, chunks: 0, indicators: 0, problems: 0 };
  const errors = { indicator: 0, group: 0, association: 0, file: 0 };
  let rejected = false;

  const flushChunk = async () => {
    if (chunk.length === 0 || rejected) return;
    await storeImportChunk(db, jobId, counts.chunks++, chunk);
    chunk = [];
    await renewImportUpload(db, jobId, token, undefined, hold);
  };
  const flushProblems = async () => {
    if (problems.length === 0 || rejected) return;
    await recordImportProblems(db, jobId, problems);
    problems = [];
  };

  try {
    for await (const event of readTcBatch(input)) {
      if ('item' in event) {
        counts.items++;
        if (event.item.kind === 'indicator' && ++counts.indicators > options.maxIndicators) rejected = true;
        if (rejected) continue;
        chunk.push(event.item);
        if (chunk.length >= ITEMS_PER_CHUNK) await flushChunk();
      } else {
        counts.problems++;
        if (event.problem.severity === 'Error') errors[event.problem.kind]++;
        if (rejected) continue;
        problems.push(event.problem);
        if (problems.length >= PROBLEMS_PER_INSERT) await flushProblems();
      }
    }
    if (rejected) {
      const reason = indicatorLimitReason(counts.indicators, options.maxIndicators);
      await rejectImportUpload(db, jobId, token, { itemCount: counts.items, uploadSize: options.uploadSize() },
        { index: 0, kind: 'file', code: ITEM_ERROR_CODES.indicatorLimit, severity: 'Error', reason, source: `${counts.indicators} indicators; the limit is ${options.maxIndicators}` });
    } else {
      await flushChunk();
      await flushProblems();
      await queueImportUpload(db, jobId, token, { itemCount: counts.items, chunkCount: counts.chunks, uploadSize: options.uploadSize(), parseErrors: errors });
    }
  } catch (error) {
    await abandonImportUpload(db, jobId, token);
    throw error;
  }
  return { itemCount: counts.items, chunkCount: counts.chunks, indicatorCount: counts.indicators, problemCount: counts.problems, rejected };
}
