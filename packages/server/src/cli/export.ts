/**
 * `cairn export --owner NAME [--tql …] [--over indicators|groups] --format stix|csv [-o FILE]`:
 * the owner's indicators (or groups) that the TQL selects, read through the v3 engine in keyset
 * pages (id order, one page in memory at a time) and written as they are read, to stdout or FILE.
 * Progress on stderr when it is a terminal. A bad TQL, an unknown owner or an unwritable FILE is a
 * one-line error before anything is written; FILE is written whole or not at all (a temporary
 * file renamed at the end).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { csvExport, type CsvExportIndicator } from '../core/exchange/csv.js';
import { BULK_PAGE_SIZE, exportItems } from '../core/intel/bulk-export.js';
import type { Row } from '../resources/engine/context.js';
import { stixBundleChunks } from '../core/exchange/stix/export.js';
import { tqlSelectionIds } from '../resources/exchange-selection.js';
import type { CairnServices } from '../services.js';
import { TqlError } from '../tql/errors.js';
import { CommandError, withServices } from './command.js';
import { exchangeActor, type ExchangeActor } from './exchange-actor.js';
import { startProgress, type Progress } from './progress.js';

interface ExportOptions { owner: string; as?: string; tql?: string; over?: 'indicators' | 'groups'; format: 'stix' | 'csv'; output?: string }

export function registerExportCommand(program: Command): void {
  program.command('export')
    .description('export an owner\'s indicators or groups (a TQL selection) as a STIX 2.1 bundle or CSV, streamed')
    .requiredOption('--owner <owner>', 'organization or community (name or id) to export from')
    .option('--as <user>', 'read as this user (id or access id) [default: the owner\'s first enabled user]')
    .option('--tql <query>', 'only what this TQL query selects (as GET /v3/indicators?tql= would)')
    .addOption(new Option('--over <kind>', 'what to export (and the TQL selects) [default: indicators for csv; both for stix, the TQL then valid for each]').choices(['indicators', 'groups']))
    .addOption(new Option('--format <format>', 'output format').choices(['stix', 'csv']).makeOptionMandatory())
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options: ExportOptions, command: Command) => {
      if (options.format === 'csv' && options.over === 'groups') throw new CommandError('A CSV export holds indicators: use --over indicators (or --format stix for groups).', 'validation');
      if (options.tql !== undefined && options.tql.length > 20_000) throw new CommandError('--tql is longer than 20,000 characters.', 'validation');
      await withServices(command, async (services) => {
        const actor = await exchangeActor(services, options.owner, options.as);
        const kinds = options.over !== undefined ? [options.over] : options.format === 'csv' ? ['indicators' as const] : ['indicators' as const, 'groups' as const];
        // The total (for the progress bar) is read first: it also checks the TQL before anything is written.
        let total = 0;
        for (const kind of kinds) {
          const { count } = await services.resources.list(services.resources.registry.named(kind), actor.principal, {
            tql: options.tql, fields: ['id'], resultStart: 0, resultLimit: 1, count: true, owner: [actor.owner.name], exactFields: true,
          }).catch((error: unknown) => {
            if (error instanceof TqlError) throw new CommandError(`--tql${kinds.length > 1 ? ` (over ${kind})` : ''}: ${error.message}`, 'validation');
            throw error;
          });
          total += count ?? 0;
        }
        const progress = startProgress(`export ${kinds.join(' and ')}`, 'items', { quiet: !process.stderr.isTTY });
        progress.total(total);
        try {
          const chunks = options.format === 'csv' ? csvChunks(services, actor, options.tql, progress) : stixChunks(services, actor, options, progress);
          await writeOut(chunks, options.output);
        } finally {
          progress.stop();
        }
      });
    });
}

/** The CSV export: header, then a chunk per page of indicators. */
function csvChunks(services: CairnServices, actor: ExchangeActor, tql: string | undefined, progress: Progress): AsyncIterable<string> {
  const engine = services.resources;
  const indicators = engine.registry.named('indicators');
  let done = 0;
  const pages = async function* () {
    for await (const page of exportItems<Row>((afterId) => engine.listAfter(indicators, actor.principal, {
      afterId, limit: BULK_PAGE_SIZE, fields: ['type', 'summary', 'rating', 'confidence', 'tags'], owner: [actor.owner.name], exactFields: true, tql,
    }))) {
      done += page.length;
      progress.update(done);
      yield page.map(csvIndicator);
    }
  };
  return csvExport(pages());
}

const csvIndicator = (row: Row): CsvExportIndicator => ({
  type: String(row.type),
  summary: String(row.summary),
  rating: row.rating as number | null | undefined,
  confidence: row.confidence as number | null | undefined,
  tags: ((row.tags as { data?: { name: string }[] } | undefined)?.data ?? []).map((t) => t.name),
});

/** The STIX export: the selection as one bundle with deterministic ids (core/exchange/stix/export.ts). */
function stixChunks(services: CairnServices, actor: ExchangeActor, options: ExportOptions, progress: Progress): AsyncIterable<string> {
  const { chunks, summary } = stixBundleChunks(services.store.db, {
    ownerId: actor.owner.id, over: options.over ?? 'both', ids: tqlSelectionIds(services.resources, actor.principal, actor.owner.name, options.tql),
  });
  return (async function* () {
    for await (const chunk of chunks) {
      yield chunk;
      progress.update(summary.indicators + summary.groups);
    }
  })();
}

/** Writes the chunks to stdout, or to `file` through a temporary file renamed once complete. */
async function writeOut(chunks: AsyncIterable<string>, file: string | undefined): Promise<void> {
  if (file === undefined) {
    await pipeline(Readable.from(chunks), stdoutWriter()).catch((error: unknown) => {
      if (!(error instanceof ReaderGone)) throw error;
    });
    return;
  }
  const target = path.resolve(file);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.part`);
  let out: fs.WriteStream;
  try {
    out = fs.createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
  } catch (error) {
    throw new CommandError(`Cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  try {
    await pipeline(Readable.from(chunks), out);
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * stdout as a pipeline's end that is never closed (the process still prints after it). A reader
 * that goes away (`| head`) ends the export quietly: nothing more is read from the database.
 */
function stdoutWriter(): Writable {
  let closed = false;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closed = true;
  };
  process.stdout.on('error', onError);
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (closed) return callback(new ReaderGone());
      if (process.stdout.write(chunk)) callback();
      else process.stdout.once('drain', () => callback());
    },
    final(callback) {
      process.stdout.off('error', onError);
      callback();
    },
  });
}

class ReaderGone extends Error {}
