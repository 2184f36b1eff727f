/**
 * The file of a Document or Report group: stored in `documents` (size, sha256, content type) and
 * `document_chunks` (64 KiB each), read back as a stream. Neither direction holds the whole file.
 *
 * An upload is first spooled to a temporary file while it is hashed and measured against the size
 * limit, then copied into the database chunk by chunk in one short transaction: the write lock
 * (SQLite has one per database) is held for a local copy, never for as long as a slow client takes
 * to send its bytes, and a file past the limit, or a client that goes away, writes nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';
import { FILE_GROUP_TYPES, groupTypeNamed } from './group-types.js';

/** The size of one stored chunk. */
export const DOCUMENT_CHUNK_BYTES = 64 * 1024;

/** The default of CAIRN_DOCUMENT_MAX_BYTES. */
export const DEFAULT_DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;

export interface StoredDocument {
  size: number;
  sha256: string;
  contentType: string;
  uploadedAt: string;
}

/** A group that may hold a file, as the look-up found it. */
export interface FileGroup { id: number; ownerId: number; type: string; fileName: string | null }

/**
 * The Document or Report group `ref` names (its id, or its xid as tcex sends it) among `ownerIds`:
 * of `branchType` only when given. Any other group, or one of an owner not listed, is not found.
 */
export async function findFileGroup(db: Kysely<any>, ref: string, ownerIds: readonly number[], branchType?: string): Promise<FileGroup> {
  const types = branchType === undefined ? [...FILE_GROUP_TYPES] : FILE_GROUP_TYPES.filter((t) => t === branchType);
  const notFound = new CairnError('not-found', 'The requested resource was not found');
  if (ownerIds.length === 0 || types.length === 0 || ref.length === 0 || ref.length > 100) throw notFound;
  const id = /^\d{1,10}$/.test(ref) && Number(ref) <= 2_147_483_647 ? Number(ref) : undefined;
  const rows = await db.selectFrom('groups').select(['id', 'owner_id', 'type', 'file_name', 'xid'])
    .where('owner_id', 'in', [...ownerIds]).where('type', 'in', types)
    .where((eb) => (id === undefined ? eb('xid', '=', ref) : eb.or([eb('id', '=', id), eb('xid', '=', ref)])))
    .orderBy('id').limit(2).execute();
  // An id names its group before an xid that happens to be the same digits.
  const row = rows.find((r) => Number(r.id) === id) ?? rows[0];
  if (!row) throw notFound;
  return { id: Number(row.id), ownerId: Number(row.owner_id), type: String(row.type), fileName: row.file_name === null ? null : String(row.file_name) };
}

/** The file's record, or undefined when none has been uploaded. */
export async function documentOf(db: Kysely<any>, groupId: number): Promise<StoredDocument | undefined> {
  const row = await db.selectFrom('documents').select(['size', 'sha256', 'content_type', 'uploaded_at']).where('group_id', '=', groupId).executeTakeFirst();
  return row ? { size: Number(row.size), sha256: String(row.sha256), contentType: String(row.content_type), uploadedAt: String(row.uploaded_at) } : undefined;
}

export interface StoreOptions {
  /** Larger files are refused (CAIRN_DOCUMENT_MAX_BYTES). */
  maxBytes: number;
  /** Stored time of the request. */
  now: string;
  contentType?: string;
  /** Where the spool file goes (the data directory); the system's temporary directory by default. */
  spoolDir?: string;
}

export const tooLarge = (maxBytes: number) =>
  new CairnError('payload-too-large', `The document is larger than the limit of ${maxBytes} bytes (CAIRN_DOCUMENT_MAX_BYTES).`, { limit: maxBytes });

/**
 * Stores `source` as the file of `group` (replacing any earlier one), and marks the group's
 * status Success. Past `maxBytes` nothing is stored and a payload-too-large error is raised.
 */
export async function storeDocument(db: Kysely<any>, group: FileGroup, source: AsyncIterable<unknown>, options: StoreOptions): Promise<StoredDocument> {
  if (!groupTypeNamed(group.type)?.holdsFile) throw new CairnError('bad-request', `A ${group.type} group holds no file; only ${FILE_GROUP_TYPES.join(' and ')} groups do.`);
  const spoolDir = fs.mkdtempSync(path.join(options.spoolDir ?? os.tmpdir(), 'cairn-upload-'));
  const spool = path.join(spoolDir, 'file');
  try {
    const { size, sha256 } = await spoolTo(spool, source, options.maxBytes);
    const stored: StoredDocument = { size, sha256, contentType: options.contentType ?? 'application/octet-stream', uploadedAt: options.now };
    await db.transaction().execute(async (trx) => {
      // The group's row first: on PostgreSQL its lock queues a concurrent upload of the same file
      // behind this one (which then replaces it whole); a group deleted meanwhile is not found.
      const claimed = await trx.updateTable('groups').set({ status: 'Success', last_modified: options.now }).where('id', '=', group.id).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) throw new CairnError('not-found', 'The requested resource was not found');
      await trx.deleteFrom('document_chunks').where('group_id', '=', group.id).execute();
      let seq = 0;
      for await (const chunk of fs.createReadStream(spool, { highWaterMark: DOCUMENT_CHUNK_BYTES })) {
        await trx.insertInto('document_chunks').values({ group_id: group.id, seq: seq++, data: chunk as Buffer }).execute();
      }
      const row = { size: stored.size, content_type: stored.contentType, sha256: stored.sha256, uploaded_at: stored.uploadedAt };
      await trx.insertInto('documents').values({ group_id: group.id, ...row }).onConflict((oc) => oc.column('group_id').doUpdateSet(row)).execute();
    });
    return stored;
  } finally {
    fs.rmSync(spoolDir, { recursive: true, force: true });
  }
}

/** Writes `source` to `file`, hashing and counting; refuses past `maxBytes` (and stops reading there). */
async function spoolTo(file: string, source: AsyncIterable<unknown>, maxBytes: number): Promise<{ size: number; sha256: string }> {
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  let size = 0;
  try {
    for await (const piece of source) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : piece instanceof Uint8Array ? Buffer.from(piece) : undefined;
      if (chunk === undefined) throw new CairnError('bad-request', 'The upload must be raw bytes (Content-Type: application/octet-stream).');
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      hash.update(chunk);
      if (!out.write(chunk)) await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed]);
    }
    await Promise.race([new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve()))), failed]);
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * The stored file as a stream of its chunks, read one at a time. A chunk is read only while the
 * file is still the one this read began with: a replacement uploaded meanwhile ends the stream
 * with an error rather than mixing two files.
 */
export function readDocument(db: Kysely<any>, groupId: number, document: StoredDocument): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let read = 0;
    for (let seq = 0; read < document.size; seq++) {
      const row = await db.selectFrom('document_chunks as c').innerJoin('documents as d', 'd.group_id', 'c.group_id').select('c.data')
        .where('c.group_id', '=', groupId).where('c.seq', '=', seq).where('d.sha256', '=', document.sha256).where('d.uploaded_at', '=', document.uploadedAt)
        .executeTakeFirst();
      if (!row) throw new Error(`The file of group ${groupId} changed or vanished while it was read.`);
      const data = Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data as Uint8Array);
      read += data.length;
      yield data;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
