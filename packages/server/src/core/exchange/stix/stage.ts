/**
 * A STIX bundle into an import job (core/exchange/jobs.ts): the bundle is read as it arrives
 * (import.ts), its items stored in chunks of ITEMS_PER_CHUNK as they fill, its problems recorded
 * with the job, and the job queued for the import worker. Nothing of the bundle is held beyond one
 * chunk and the reader's compact state. The TAXII surface (POST objects) and `cairn import` call it.
 */
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import type { Kysely } from 'kysely';
import type { ImportItem, ItemProblem } from '../items.js';
import { createImportJob, ITEMS_PER_CHUNK, queueImportJob, recordImportProblems, storeImportChunk, type NewImportJob } from '../jobs.js';
import { isItemProblem, readStixBundle, type StixReadOptions } from './import.js';

/** What staging a bundle did. */
export interface StagedStixImport {
  jobId: number;
  itemCount: number;
  chunkCount: number;
  /** Problems found while reading (each recorded with the job), by kind. */
  parseErrors: { indicator: number; group: number; association: number; file: number };
  uploadSize: number;
}

class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    callback(null, chunk);
  }
}

/**
 * Creates a job for `job` (format `stix`), fills it from `input` and queues it. `onProgress` is
 * told the items read so far after each stored chunk (a terminal's progress bar).
 */
export async function stageStixImport(
  db: Kysely<any>, job: Omit<NewImportJob, 'format'>, input: Readable, options: StixReadOptions & { onProgress?: (items: number) => void },
): Promise<StagedStixImport> {
  const jobId = await createImportJob(db, { ...job, format: 'stix' });
  const counter = new ByteCounter();
  input.on('error', (error) => counter.destroy(error));
  const parseErrors = { indicator: 0, group: 0, association: 0, file: 0 };
  let chunk: ImportItem[] = [];
  let problems: ItemProblem[] = [];
  let itemCount = 0;
  let chunkCount = 0;
  const flushChunk = async () => {
    if (chunk.length === 0) return;
    await storeImportChunk(db, jobId, chunkCount, chunk);
    chunkCount++;
    chunk = [];
    options.onProgress?.(itemCount);
  };
  const flushProblems = async () => {
    if (problems.length === 0) return;
    await recordImportProblems(db, jobId, problems);
    problems = [];
  };
  try {
    for await (const result of readStixBundle(input.pipe(counter), options)) {
      if (isItemProblem(result)) {
        // A Warning is an item written in part: its item is counted where it lands, not as a failure here.
        if (result.severity === 'Error') parseErrors[result.kind]++;
        problems.push(result);
        if (problems.length >= 200) await flushProblems();
        continue;
      }
      chunk.push(result);
      itemCount++;
      if (chunk.length >= ITEMS_PER_CHUNK) await flushChunk();
    }
    await flushChunk();
    await flushProblems();
  } catch (error) {
    // The input failed (a client that went away): the job was never acknowledged; nothing of it stays.
    await discardJob(db, jobId);
    throw error;
  }
  await queueImportJob(db, jobId, { itemCount, chunkCount, uploadSize: counter.bytes, parseErrors });
  return { jobId, itemCount, chunkCount, parseErrors, uploadSize: counter.bytes };
}

/** Removes a job still in status Created, with what was stored of it. */
async function discardJob(db: Kysely<any>, jobId: number): Promise<void> {
  await db.deleteFrom('import_job_chunks').where('job_id', '=', jobId).execute();
  await db.deleteFrom('import_job_errors').where('job_id', '=', jobId).execute();
  await db.deleteFrom('import_jobs').where('id', '=', jobId).where('status', '=', 'Created').execute();
}
