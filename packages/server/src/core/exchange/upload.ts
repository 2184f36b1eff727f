/**
 * From a parsed upload to a queued import job: a format's parser yields items and the problems it
 * found (one entry at a time, in upload order); `fillImportJob` cuts the items into chunks of
 * ITEMS_PER_CHUNK, stores each as soon as it is full (so an upload is never held whole), records
 * the problems, and queues the job with its totals. Used by the CLI (`cairn import`) for every
 * format; a surface that parses into the same entries may use it too.
 */
import type { Kysely } from 'kysely';
import type { ImportItem, ItemProblem } from './items.js';
import { ITEMS_PER_CHUNK, queueImportJob, recordImportProblems, storeImportChunk } from './jobs.js';

/**
 * One entry of a parsed upload: an item to apply, or a problem the parser found. A problem's
 * `index` may be left out: it is then the index the next item gets (the place in the upload
 * where the bad input was), and its `reason` says where in the file it was (line, attribute).
 */
export type ParsedEntry =
  | { item: ImportItem }
  | { problem: Omit<ItemProblem, 'index'> & { index?: number } };

export interface FilledJob {
  itemCount: number;
  chunkCount: number;
  /** The parser's problems recorded with the job (before any item is applied). */
  problemCount: number;
}

/** Called after each stored chunk (progress while a big file is read). */
export type FillProgress = (filled: { itemCount: number; chunkCount: number; problemCount: number }) => void;

/**
 * Stores `entries` into job `jobId` (status Created) and queues it. `uploadSize` is the upload's
 * size in bytes, as the job reports it. A parser that throws leaves the job in status Created,
 * never queued (its chunks are removed with it by the caller, or stay unprocessed).
 */
export async function fillImportJob(
  db: Kysely<any>, jobId: number, entries: AsyncIterable<ParsedEntry>, uploadSize: number, onChunk?: FillProgress,
): Promise<FilledJob> {
  let chunk: ImportItem[] = [];
  let problems: ItemProblem[] = [];
  let itemCount = 0;
  let chunkCount = 0;
  let problemCount = 0;
  const parseErrors = { indicator: 0, group: 0, association: 0, file: 0 };
  const flushProblems = async () => {
    if (problems.length === 0) return;
    await recordImportProblems(db, jobId, problems);
    problems = [];
  };
  const flushChunk = async () => {
    if (chunk.length === 0) return;
    await storeImportChunk(db, jobId, chunkCount, chunk);
    chunkCount += 1;
    chunk = [];
    await flushProblems();
    onChunk?.({ itemCount, chunkCount, problemCount });
  };
  for await (const entry of entries) {
    if ('item' in entry) {
      chunk.push(entry.item);
      itemCount += 1;
      if (chunk.length >= ITEMS_PER_CHUNK) await flushChunk();
    } else {
      const problem: ItemProblem = { ...entry.problem, index: entry.problem.index ?? itemCount };
      problems.push(problem);
      problemCount += 1;
      if (problem.severity === 'Error') parseErrors[problem.kind] += 1;
      if (problems.length >= 200) await flushProblems();
    }
  }
  await flushChunk();
  await flushProblems();
  await queueImportJob(db, jobId, { itemCount, chunkCount, uploadSize, parseErrors });
  return { itemCount, chunkCount, problemCount };
}
