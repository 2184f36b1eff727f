/**
 * Document files in the store (core/intel/documents), on both databases: whatever pieces a file
 * arrives in, it is stored in 64 KiB chunks and read back byte for byte; the limit holds to the
 * byte; a refused or broken upload leaves the earlier file as it was; and the source is read as it
 * is stored, not gathered first.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { DOCUMENT_CHUNK_BYTES, documentOf, findFileGroup, readDocument, storeDocument, type FileGroup } from '../../../src/core/intel/documents.js';
import { CairnError } from '../../../src/core/errors.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';

async function* pieces(buffer: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= at || cut >= buffer.length) continue;
    yield buffer.subarray(at, cut);
    at = cut;
  }
  yield buffer.subarray(at);
}

async function readAll(db: Kysely<any>, group: FileGroup): Promise<Buffer> {
  const document = await documentOf(db, group.id);
  assert.ok(document);
  const parts: Buffer[] = [];
  for await (const part of readDocument(db, group.id, document)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

for (const dialect of testDialects()) {
  describe(`document files in the store (${dialect})`, () => {
    let server: TestServer;
    let db: Kysely<any>;
    let orgId: number;
    let counter = 0;
    const newGroup = async (type = 'Document', owner = orgId): Promise<FileGroup> => {
      const stamp = now();
      const row = await db.insertInto('groups').values({ owner_id: owner, type, xid: `doc-${++counter}-${crypto.randomUUID()}`, name: `file ${counter}`, file_name: `f${counter}.bin`, date_added: stamp, last_modified: stamp })
        .returning('id').executeTakeFirstOrThrow();
      return findFileGroup(db, String(row.id), [owner]);
    };

    before(async () => {
      server = await startTestServer(dialect);
      db = server.services.store.db as unknown as Kysely<any>;
      orgId = server.bootstrap.organization.id;
    });
    after(() => server.close());

    it('stores whatever pieces a file arrives in as 64 KiB chunks and reads it back byte for byte', async () => {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 300_000 }), fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 8 }), async (size, cuts) => {
        const group = await newGroup();
        const bytes = crypto.randomBytes(size);
        const stored = await storeDocument(db, group, pieces(bytes, cuts), { maxBytes: 1_000_000, now: now() });
        assert.equal(stored.size, size);
        assert.equal(stored.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
        const chunks = await db.selectFrom('document_chunks').select(['seq', 'data']).where('group_id', '=', group.id).orderBy('seq').execute();
        assert.equal(chunks.length, Math.ceil(size / DOCUMENT_CHUNK_BYTES));
        assert.ok(chunks.slice(0, -1).every((c) => (c.data as Buffer).length === DOCUMENT_CHUNK_BYTES));
        assert.ok((await readAll(db, group)).equals(bytes));
      }), { numRuns: 15 });
    });

    it('takes a file of exactly the limit, refuses one byte more, and keeps the earlier file', async () => {
      const group = await newGroup('Report');
      const limit = 100_000;
      const first = crypto.randomBytes(limit);
      await storeDocument(db, group, pieces(first, [1, 65_536]), { maxBytes: limit, now: now() });
      await assert.rejects(storeDocument(db, group, pieces(crypto.randomBytes(limit + 1), [50_000]), { maxBytes: limit, now: now() }),
        (error: unknown) => error instanceof CairnError && error.code === 'payload-too-large' && /limit of 100000 bytes/.test(error.message));
      assert.ok((await readAll(db, group)).equals(first), 'the earlier file is whole');
      assert.equal((await db.selectFrom('groups').select('status').where('id', '=', group.id).executeTakeFirstOrThrow()).status, 'Success');
    });

    it('stops reading a source past the limit, and stores nothing when the source fails', async () => {
      const group = await newGroup();
      let pulled = 0;
      async function* endless(): AsyncGenerator<Buffer> {
        for (;;) { pulled++; yield Buffer.alloc(10_000); }
      }
      await assert.rejects(storeDocument(db, group, endless(), { maxBytes: 95_000, now: now() }), /larger than the limit/);
      assert.equal(pulled, 10, 'read up to the piece that crossed the limit, no further');
      async function* broken(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(70_000);
        throw new Error('client went away');
      }
      await assert.rejects(storeDocument(db, group, broken(), { maxBytes: 1_000_000, now: now() }), /client went away/);
      assert.equal(await documentOf(db, group.id), undefined);
      assert.equal((await db.selectFrom('document_chunks').select('seq').where('group_id', '=', group.id).execute()).length, 0);
    });

    it('stores concurrent uploads of one file one after the other: the last is whole, none fails', async () => {
      const group = await newGroup();
      const versions = Array.from({ length: 4 }, () => crypto.randomBytes(200_000 + Math.floor(Math.random() * 100_000)));
      const results = await Promise.allSettled(versions.map((bytes) => storeDocument(db, group, pieces(bytes, [65_536, 131_072]), { maxBytes: 1_000_000, now: now() })));
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const stored = await readAll(db, group);
      assert.ok(versions.some((bytes) => bytes.equals(stored)), 'one whole version');
      const document = await documentOf(db, group.id);
      assert.equal(document!.sha256, crypto.createHash('sha256').update(stored).digest('hex'));
    });

    it('finds only Documents and Reports of the owners given, by id or xid', async () => {
      const document = await newGroup();
      const xid = (await db.selectFrom('groups').select('xid').where('id', '=', document.id).executeTakeFirstOrThrow()).xid as string;
      assert.equal((await findFileGroup(db, xid, [orgId])).id, document.id);
      assert.equal((await findFileGroup(db, String(document.id), [orgId], 'Document')).id, document.id);
      await assert.rejects(findFileGroup(db, String(document.id), [orgId], 'Report'), /not found/);
      await assert.rejects(findFileGroup(db, String(document.id), [orgId + 1_000]), /not found/);
      const stamp = now();
      const adversary = await db.insertInto('groups').values({ owner_id: orgId, type: 'Adversary', xid: crypto.randomUUID(), name: 'a', date_added: stamp, last_modified: stamp }).returning('id').executeTakeFirstOrThrow();
      await assert.rejects(findFileGroup(db, String(adversary.id), [orgId]), /not found/);
      await assert.rejects(findFileGroup(db, '99999999999', [orgId]), /not found/);
    });
  });
}
