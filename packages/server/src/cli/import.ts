/**
 * `cairn import FILE… --owner NAME [--format tc-batch|stix|misp|csv]`: each file is read as it
 * streams into an import job (the same jobs the v2 batch API makes, origin `cli`), then processed
 * in this process, with progress on stderr (a bar on a terminal, lines otherwise), and a summary
 * of what was created, updated and failed, with the reasons of the failures (the first 20 in
 * text; all of them with --json). The format is detected from the content when not given.
 *
 * Exit status: 0 when every item was imported, 2 when some failed (the summary says which),
 * 1 when the command could not run (a missing file, an unknown owner, an undetectable format),
 * 130 when interrupted while applying (the job is left for a worker to finish).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { parseCsvIndicators } from '../core/exchange/csv.js';
import { DEFAULT_SETTINGS, type ImportSettings } from '../core/exchange/items.js';
import { createImportJob, findImportJob, listImportProblems, type ImportFormat, type ImportJob } from '../core/exchange/jobs.js';
import { parseMispEvents } from '../core/exchange/misp.js';
import { processImportJob } from '../core/exchange/process.js';
import { sniffImportFormat } from '../core/exchange/sniff.js';
import { isItemProblem, readStixBundle } from '../core/exchange/stix/import.js';
import { readTcBatch } from '../core/exchange/tc-batch.js';
import { fillImportJob, type ParsedEntry } from '../core/exchange/upload.js';
import type { CairnServices } from '../services.js';
import { CommandError, withServices, type GlobalOptions } from './command.js';
import { exchangeActor } from './exchange-actor.js';
import { startProgress } from './progress.js';

const FORMATS = ['tc-batch', 'stix', 'misp', 'csv'] as const satisfies readonly ImportFormat[];
/** Failures listed in the text summary (all of them with --json). */
const SHOWN_FAILURES = 20;

type Open = () => AsyncIterable<Buffer>;

/** Each format's parser over a file that can be opened (read) more than once. */
const PARSERS: Readonly<Record<ImportFormat, (open: Open) => AsyncIterable<ParsedEntry>>> = {
  csv: (open) => parseCsvIndicators(open()),
  misp: (open) => parseMispEvents(open),
  'tc-batch': (open) => readTcBatch(open()),
  stix: (open) => stixEntries(open()),
};

/** A STIX bundle's items and problems as entries. The file is the operator's own: no size limit beyond the reader's per-object one. */
async function* stixEntries(input: AsyncIterable<Buffer>): AsyncGenerator<ParsedEntry> {
  for await (const result of readStixBundle(Readable.from(input), { maxBytes: Number.MAX_SAFE_INTEGER })) {
    yield isItemProblem(result) ? { problem: result } : { item: result };
  }
}

interface ImportOptions {
  owner: string;
  as?: string;
  format?: ImportFormat;
  action: ImportSettings['action'];
  haltOnError?: boolean;
  attributeWriteType: ImportSettings['attributeWriteType'];
  tagWriteType: ImportSettings['tagWriteType'];
  securityLabelWriteType: ImportSettings['securityLabelWriteType'];
  fileMergeMode: ImportSettings['fileMergeMode'];
  hashCollisionMode: ImportSettings['hashCollisionMode'];
  progress: boolean;
}

export interface FileSummary {
  file: string;
  format: ImportFormat;
  jobId: number;
  status: ImportJob['status'];
  /** Items stored for the job (a row, an attribute, an event…; what failed to parse is counted in failed only). */
  items: number;
  created: number;
  updated: number;
  failed: number;
  unprocessed: number;
  halted: string | null;
  failures: { index: number; kind: string; code: string; severity: string; reason: string; source: string }[];
  /** How many problems the job has (failures holds the first ones in text mode, all with --json). */
  problemCount: number;
}

export function registerImportCommand(program: Command): void {
  program.command('import <files...>')
    .description('import intelligence files (tc-batch JSON, STIX 2.1 bundles, MISP events, CSV of indicators) into an owner')
    .requiredOption('--owner <owner>', 'organization or community (name or id) the items go to')
    .option('--as <user>', 'record the jobs as this user (id or access id) [default: the owner\'s first enabled user]')
    .addOption(new Option('--format <format>', 'the files\' format [default: detected from each file\'s content]').choices(FORMATS))
    .addOption(new Option('--action <action>', 'create (or update) the items, or delete them').choices(['Create', 'Delete']).default(DEFAULT_SETTINGS.action))
    .option('--halt-on-error', 'stop a file at its first failed item (the rest is left unprocessed)')
    .addOption(new Option('--attribute-write-type <type>', 'how attributes of existing items are written').choices(['Append', 'Replace', 'Singleton', 'Static']).default(DEFAULT_SETTINGS.attributeWriteType))
    .addOption(new Option('--tag-write-type <type>', 'how tags of existing items are written').choices(['Append', 'Replace']).default(DEFAULT_SETTINGS.tagWriteType))
    .addOption(new Option('--security-label-write-type <type>', 'how security labels of existing items are written').choices(['Append', 'Replace']).default(DEFAULT_SETTINGS.securityLabelWriteType))
    .addOption(new Option('--file-merge-mode <mode>', 'File indicators whose hashes belong to several files').choices(['Distribute', 'Merge']).default(DEFAULT_SETTINGS.fileMergeMode))
    .addOption(new Option('--hash-collision-mode <mode>', 'an incoming File hash that is another file\'s').choices(['Split', 'IgnoreIncoming', 'IgnoreExisting', 'FavorIncoming', 'FavorExisting']).default(DEFAULT_SETTINGS.hashCollisionMode))
    .option('--no-progress', 'no progress on stderr')
    .action(async (files: string[], options: ImportOptions, command: Command) => {
      const json = command.optsWithGlobals<GlobalOptions>().json === true;
      const settings: ImportSettings = {
        action: options.action, haltOnError: options.haltOnError === true, attributeWriteType: options.attributeWriteType,
        tagWriteType: options.tagWriteType, securityLabelWriteType: options.securityLabelWriteType,
        fileMergeMode: options.fileMergeMode, hashCollisionMode: options.hashCollisionMode,
      };
      // Every file is checked (readable, format known) before the first is imported.
      const plans: { file: string; size: number; format: ImportFormat; open: Open }[] = [];
      for (const file of files) {
        const size = readableFileSize(file);
        const open: Open = () => fs.createReadStream(file, { highWaterMark: 256 * 1024 });
        let format = options.format;
        if (format === undefined) {
          const sniffed = await sniffImportFormat(open);
          if ('undecided' in sniffed) throw new CommandError(`Cannot tell the format of ${file}: ${sniffed.undecided}. Pass --format ${FORMATS.join('|')}.`, 'validation');
          format = sniffed.format;
        }
        plans.push({ file, size, format, open });
      }
      const summaries = await withServices(command, async (services) => {
        const actor = await exchangeActor(services, options.owner, options.as);
        const done: FileSummary[] = [];
        for (const plan of plans) {
          const summary = await importFile(services, { ownerId: actor.owner.id, userId: actor.principal.userId }, plan, settings, { json, progress: options.progress });
          done.push(summary);
          // Interrupted: the files after it are not started.
          if (summary.status !== 'Completed') break;
        }
        return done;
      });
      if (json) console.log(JSON.stringify({ owner: options.owner, files: summaries }, null, 2));
      else console.log(summaries.map(summaryText).join('\n\n'));
      if (summaries.some((s) => s.status !== 'Completed')) process.exitCode = 130;
      else if (summaries.some((s) => s.failed > 0 || s.unprocessed > 0)) process.exitCode = 2;
    });
}

/** The chunks of `input`, each counted by `onBytes` as it passes. */
async function* countBytes(input: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    onBytes(chunk.length);
    yield chunk;
  }
}

/** How often the job is read while another worker processes it. */
const POLL_MS = 250;

/** Waits for a job another worker processes, reporting its progress; the completed job. */
async function awaitCompletion(db: CairnServices['store']['db'], jobId: number, ownerId: number, onProgress: (job: ImportJob) => void): Promise<ImportJob> {
  for (;;) {
    const job = await findImportJob(db, jobId, [ownerId]);
    if (!job) throw new CommandError(`Import job ${jobId} disappeared while it was processed.`);
    if (job.status === 'Completed') return job;
    onProgress(job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The size of a regular file that can be read, or a one-line reason why not. */
function readableFileSize(file: string): number {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new CommandError(`${file} is not a file.`, 'validation');
    fs.accessSync(file, fs.constants.R_OK);
    return stat.size;
  } catch (error) {
    if (error instanceof CommandError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(code === 'ENOENT' ? `No file ${file}.` : `Cannot read ${file}: ${code ?? (error as Error).message}.`, code === 'ENOENT' ? 'not-found' : 'error');
  }
}

async function importFile(
  services: CairnServices, actor: { ownerId: number; userId: number },
  plan: { file: string; size: number; format: ImportFormat; open: Open }, settings: ImportSettings, output: { json: boolean; progress: boolean },
): Promise<FileSummary> {
  const db = services.store.db;
  const jobId = await createImportJob(db, { ownerId: actor.ownerId, userId: actor.userId, format: plan.format, origin: 'cli', settings });
  // Reading is measured in bytes (a MISP file is read twice: its events, then their attributes).
  const reading = startProgress(`read ${plan.file}`, 'bytes', { quiet: !output.progress });
  reading.total(plan.size * (plan.format === 'misp' ? 2 : 1));
  let bytesRead = 0;
  const counted: Open = () => countBytes(plan.open(), (n) => {
    bytesRead += n;
    reading.update(bytesRead);
  });
  let filled;
  try {
    filled = await fillImportJob(db, jobId, PARSERS[plan.format](counted), plan.size);
  } finally {
    reading.stop();
  }
  const applying = startProgress(`import ${plan.file}`, 'items', { quiet: !output.progress });
  applying.total(filled.itemCount);
  let job: ImportJob;
  const onProgress = (j: ImportJob) => applying.update(j.itemCount - j.unprocessedCount);
  // Ctrl-C (or SIGTERM) while applying: the chunk in flight finishes, the job is released and left
  // queued for a worker (`cairn serve` / `cairn worker`) to finish; nothing is applied twice.
  const interrupt = new AbortController();
  const stop = () => interrupt.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    try {
      job = await processImportJob(db, jobId, { workerId: `cli-${process.pid}-${jobId}`, onProgress, signal: interrupt.signal });
    } catch (error) {
      // A worker of `cairn serve` / `cairn worker` on this database took the job first: it finishes it.
      if (!(error instanceof CairnError && error.code === 'conflict')) throw error;
      job = await awaitCompletion(db, jobId, actor.ownerId, onProgress);
    }
    onProgress(job);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    applying.stop();
  }
  job = (await findImportJob(db, jobId, [actor.ownerId])) ?? job;
  const failures: FileSummary['failures'] = [];
  let problemCount = 0;
  let afterId: number | undefined;
  for (;;) {
    const page = await listImportProblems(db, jobId, { limit: 500, ...(afterId === undefined ? {} : { afterId }) });
    problemCount += page.length;
    for (const p of page) {
      if (output.json || failures.length < SHOWN_FAILURES) failures.push({ index: p.index, kind: p.kind, code: p.code, severity: p.severity, reason: p.reason, source: p.source });
    }
    if (page.length < 500) break;
    afterId = page[page.length - 1]!.id;
  }
  return {
    file: plan.file, format: plan.format, jobId, status: job.status, items: job.itemCount,
    created: job.createdCount, updated: job.updatedCount, failed: job.errorCount, unprocessed: job.unprocessedCount, halted: job.halted,
    failures, problemCount,
  };
}

function summaryText(s: FileSummary): string {
  const lines = [`${s.file} (${s.format}, job ${s.jobId}): ${s.created} created, ${s.updated} updated, ${s.failed} failed${s.unprocessed > 0 ? `, ${s.unprocessed} not processed` : ''}.`];
  if (s.status !== 'Completed') lines.push(`Interrupted: job ${s.jobId} is left ${s.status} for a worker (cairn serve or cairn worker) to finish.`);
  if (s.halted) lines.push(`Halted: ${s.halted}`);
  if (s.problemCount > 0) {
    lines.push(s.problemCount > s.failures.length ? `Problems (the first ${s.failures.length} of ${s.problemCount}; all with --json):` : 'Problems:');
    for (const f of s.failures) lines.push(`  item ${f.index} ${f.severity === 'Warning' ? 'warning' : 'error'} ${f.code}: ${f.reason}`);
  }
  return lines.join('\n');
}
