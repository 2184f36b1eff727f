/**
 * File occurrences (spec threatconnect.md §5.3, `files/{hash}/fileOccurrences[/{id}]`): where and
 * when a File indicator was seen (`fileName`, `path`, `date`). The caller names the indicator
 * already found among its visible owners; every statement here also keys on that indicator, so an
 * occurrence id of another file (or another owner's) is simply not found.
 */
import type { Kysely } from 'kysely';
import { CairnError, type FieldProblem } from '../errors.js';
import { toStoredTime } from '../../store/database.js';

export const FILE_OCCURRENCE_LIMITS = { fileName: 255, path: 4096 } as const;

/** Occurrences one file may have: a bound on what one list returns. */
export const MAX_FILE_OCCURRENCES = 10_000;

export interface FileOccurrence { id: number; fileName?: string; path?: string; date?: string }

/** What a POST or PUT may set; a PUT changes only the keys it sends. */
export interface FileOccurrenceInput { fileName?: string | null; path?: string | null; date?: string | null }

const KEYS = ['fileName', 'path', 'date'] as const;

/** Validates a body: only the three keys, strings within their bounds, `date` an ISO 8601 instant. */
export function readFileOccurrence(body: unknown): FileOccurrenceInput {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new CairnError('validation', 'A file occurrence is an object {"fileName","path","date"}.', { fields: [{ field: '_', message: 'must be an object' }] });
  const problems: FieldProblem[] = [];
  const input: FileOccurrenceInput = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'id') continue;
    if (!(KEYS as readonly string[]).includes(key)) { problems.push({ field: key.slice(0, 60), message: 'is not a field of a file occurrence (fileName, path, date)' }); continue; }
    if (value === null) { input[key as keyof FileOccurrenceInput] = null; continue; }
    if (typeof value !== 'string') { problems.push({ field: key, message: 'must be a string' }); continue; }
    if (key === 'date') {
      const time = value.length <= 64 ? Date.parse(value) : NaN;
      // The years the stored form can hold (as the engine's date kind takes them).
      if (!Number.isFinite(time) || time < Date.UTC(1900, 0, 1) || time > Date.UTC(9999, 11, 31)) { problems.push({ field: 'date', message: 'must be an ISO 8601 date such as 2017-06-19T12:00:00Z (years 1900 to 9999)' }); continue; }
      input.date = toStoredTime(new Date(time));
      continue;
    }
    const limit = FILE_OCCURRENCE_LIMITS[key as 'fileName' | 'path'];
    if (value.length > limit) { problems.push({ field: key, message: `is longer than ${limit} characters` }); continue; }
    input[key as 'fileName' | 'path'] = value;
  }
  if (problems.length > 0) throw new CairnError('validation', `Invalid file occurrence: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`, { fields: problems });
  return input;
}

const shown = (row: Record<string, unknown>): FileOccurrence => {
  const item: FileOccurrence = { id: Number(row.id) };
  if (row.file_name !== null && row.file_name !== undefined) item.fileName = String(row.file_name);
  if (row.path !== null && row.path !== undefined) item.path = String(row.path);
  if (row.date !== null && row.date !== undefined) item.date = String(row.date);
  return item;
};

export async function listFileOccurrences(db: Kysely<any>, indicatorId: number): Promise<FileOccurrence[]> {
  const rows = await db.selectFrom('file_occurrences').selectAll().where('indicator_id', '=', indicatorId).orderBy('id').limit(MAX_FILE_OCCURRENCES).execute();
  return rows.map(shown);
}

export async function getFileOccurrence(db: Kysely<any>, indicatorId: number, id: number): Promise<FileOccurrence> {
  const row = await db.selectFrom('file_occurrences').selectAll().where('indicator_id', '=', indicatorId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new CairnError('not-found', 'The requested resource was not found');
  return shown(row);
}

export async function addFileOccurrence(db: Kysely<any>, indicator: { id: number; ownerId: number }, input: FileOccurrenceInput, now: string): Promise<FileOccurrence> {
  const row = await db.insertInto('file_occurrences').values({
    owner_id: indicator.ownerId, indicator_id: indicator.id, file_name: input.fileName ?? null, path: input.path ?? null, date: input.date ?? null, date_added: now,
  }).returningAll().executeTakeFirstOrThrow();
  return shown(row);
}

export async function changeFileOccurrence(db: Kysely<any>, indicatorId: number, id: number, input: FileOccurrenceInput): Promise<FileOccurrence> {
  const set: Record<string, string | null> = {};
  if (input.fileName !== undefined) set.file_name = input.fileName;
  if (input.path !== undefined) set.path = input.path;
  if (input.date !== undefined) set.date = input.date;
  if (Object.keys(set).length > 0) {
    const result = await db.updateTable('file_occurrences').set(set).where('indicator_id', '=', indicatorId).where('id', '=', id).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new CairnError('not-found', 'The requested resource was not found');
  }
  return getFileOccurrence(db, indicatorId, id);
}

export async function removeFileOccurrence(db: Kysely<any>, indicatorId: number, id: number): Promise<void> {
  const result = await db.deleteFrom('file_occurrences').where('indicator_id', '=', indicatorId).where('id', '=', id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new CairnError('not-found', 'The requested resource was not found');
}
