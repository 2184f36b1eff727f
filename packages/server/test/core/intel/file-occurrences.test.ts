/**
 * File occurrences (core/intel/file-occurrences): the body validator, property-tested — whatever a
 * client sends, it answers a clean input or a validation error naming the field, never another
 * kind of error — and the store on both databases, keyed on the file it belongs to.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CairnError } from '../../../src/core/errors.js';
import {
  addFileOccurrence, changeFileOccurrence, FILE_OCCURRENCE_LIMITS, getFileOccurrence, listFileOccurrences, readFileOccurrence, removeFileOccurrence,
} from '../../../src/core/intel/file-occurrences.js';
import { toStoredTime } from '../../../src/store/database.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call } from '../../support/v3.js';

describe('readFileOccurrence', () => {
  it('takes fileName, path and an ISO date; the date is stored as UTC', () => {
    assert.deepEqual(readFileOccurrence({ fileName: 'a.exe', path: 'C:\\x', date: '2017-06-19T14:00:00+02:00' }), { fileName: 'a.exe', path: 'C:\\x', date: '2017-06-19T12:00:00Z' });
    assert.deepEqual(readFileOccurrence(undefined), {});
    assert.deepEqual(readFileOccurrence({ id: 5, fileName: null }), { fileName: null });
  });

  it('names the field it refuses', () => {
    const refused = (body: unknown, field: string) => {
      assert.throws(() => readFileOccurrence(body), (error: unknown) => error instanceof CairnError && error.code === 'validation'
        && (error.details.fields ?? []).some((f) => f.field === field));
    };
    refused({ date: 'yesterday' }, 'date');
    refused({ fileName: 7 }, 'fileName');
    refused({ path: 'x'.repeat(FILE_OCCURRENCE_LIMITS.path + 1) }, 'path');
    refused({ size: 1 }, 'size');
    refused([1, 2], '_');
  });

  it('property: any JSON value gives a clean input (only the three keys, strings within bounds) or a validation error', () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ fileName: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), path: fc.string({ maxLength: 5000 }), date: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()) }, { requiredKeys: [] }),
    );
    fc.assert(fc.property(body, (value) => {
      let input;
      try {
        input = readFileOccurrence(value);
      } catch (error) {
        assert.ok(error instanceof CairnError && error.code === 'validation', `only validation errors: ${String(error)}`);
        return;
      }
      for (const [key, v] of Object.entries(input)) {
        assert.ok(['fileName', 'path', 'date'].includes(key), key);
        if (v === null) continue;
        assert.equal(typeof v, 'string');
        if (key === 'date') assert.match(v as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        else assert.ok((v as string).length <= FILE_OCCURRENCE_LIMITS[key as 'fileName' | 'path']);
      }
      // Reading what it gave back gives the same (the validator is idempotent on its own output).
      assert.deepEqual(readFileOccurrence(input), input);
    }), { numRuns: 500 });
  });
});

for (const dialect of testDialects()) {
  describe(`file occurrences in the store (${dialect})`, () => {
    let server: TestServer;
    let files: { id: number; ownerId: number }[];

    before(async () => {
      server = await startTestServer(dialect);
      const client = server.client();
      files = [];
      for (const md5 of ['0123456789abcdef0123456789abcdef', 'fedcba9876543210fedcba9876543210']) {
        const created = await call(client, 'POST', '/v3/indicators', { type: 'File', md5 });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        files.push({ id: created.body.data.id, ownerId: server.bootstrap.organization.id });
      }
    });
    after(() => server.close());

    it('adds, lists, changes and removes an occurrence of one file; another file never reaches it', async () => {
      const db = server.services.store.db;
      const [file, other] = files as [{ id: number; ownerId: number }, { id: number; ownerId: number }];
      const added = await addFileOccurrence(db, file, { fileName: 'a.exe', path: '/tmp', date: '2017-06-19T12:00:00Z' }, toStoredTime(new Date()));
      assert.deepEqual(await listFileOccurrences(db, file.id), [added]);
      assert.deepEqual(await listFileOccurrences(db, other.id), []);
      await assert.rejects(getFileOccurrence(db, other.id, added.id), (e: unknown) => e instanceof CairnError && e.code === 'not-found');
      await assert.rejects(changeFileOccurrence(db, other.id, added.id, { fileName: 'b.exe' }), (e: unknown) => e instanceof CairnError && e.code === 'not-found');
      await assert.rejects(removeFileOccurrence(db, other.id, added.id), (e: unknown) => e instanceof CairnError && e.code === 'not-found');
      const changed = await changeFileOccurrence(db, file.id, added.id, { fileName: 'b.exe', path: null });
      assert.deepEqual(changed, { id: added.id, fileName: 'b.exe', date: '2017-06-19T12:00:00Z' });
      await removeFileOccurrence(db, file.id, added.id);
      assert.deepEqual(await listFileOccurrences(db, file.id), []);
    });
  });
}
