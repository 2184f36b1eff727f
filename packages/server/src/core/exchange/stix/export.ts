/**
 * A selection of an owner's intelligence as one STIX 2.1 bundle, streamed: ids are read a page at
 * a time (keyset, never an offset), each page's rows read (rows.ts) and rendered (render.ts) into
 * one text chunk before the next page is asked for, so a consumer that stops pulling stops the
 * reads and no more than one page is ever held (as the bulk reports, core/intel/bulk-export.ts).
 *
 * The bundle is deterministic: the same data gives the same bytes. Objects come in this order:
 * the owner's identity; the indicators (each followed by its relationships) in the order of the
 * selection's pages (stored id order, which an import keeps: a bundle imported into an empty
 * owner and exported again comes out in the same order); the groups likewise; then the TLP
 * marking-definitions used, by id. Inside an object, lists are sorted (render.ts). The bundle's id
 * comes last (`{"type":"bundle","objects":[…],"id":"bundle--…"}`): a UUID v5 over the SHA-256 of
 * the objects' text, so it names the content.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { CairnError } from '../../errors.js';
import { stixGroupObjects, stixIdentityObject, stixIdFor, stixIndicatorObjects, TLP_MARKINGS, type StixObject } from './render.js';
import { ownerItemIds, ownerNameOf, readStixGroupRows, readStixIndicatorRows, type IdPage, type StixOver } from './rows.js';

/** Items read and rendered per page of an export. */
export const STIX_PAGE_SIZE = 500;

/**
 * Pages of the selection's ids, in id order, after `afterId` (at most `limit`). The v3 engine's
 * TQL read gives them (resources/exchange-selection.ts); without one, every active indicator and
 * every group of the owner (`ownerItemIds`).
 */
export type SelectionIds = (over: StixOver, afterId: number, limit: number) => Promise<IdPage>;

export interface StixSelection {
  ownerId: number;
  /** What the bundle holds. */
  over: 'indicators' | 'groups' | 'both';
  /** The selection's ids (a TQL filter); default: all of the owner's. */
  ids?: SelectionIds;
}

/** What an export wrote. */
export interface StixExportSummary { objects: number; indicators: number; groups: number; bytes: number; bundleId: string }

/**
 * The bundle as text chunks (one per page). `summary` is filled as the chunks are read and
 * complete after the last one. An owner that does not exist is a not-found error before anything
 * is written.
 */
export function stixBundleChunks(db: Kysely<any>, selection: StixSelection): { chunks: AsyncGenerator<string>; summary: StixExportSummary } {
  const summary: StixExportSummary = { objects: 0, indicators: 0, groups: 0, bytes: 0, bundleId: '' };
  return { chunks: bundleChunks(db, selection, summary), summary };
}

async function* bundleChunks(db: Kysely<any>, selection: StixSelection, summary: StixExportSummary): AsyncGenerator<string> {
  const ownerName = await ownerNameOf(db, selection.ownerId);
  if (ownerName === undefined) throw new CairnError('not-found', `Owner ${selection.ownerId} was not found.`);
  const ids: SelectionIds = selection.ids ?? ((over, afterId, limit) => ownerItemIds(db, selection.ownerId, over, afterId, limit));
  const hash = createHash('sha256');
  const markings = new Set<string>();
  let first = true;
  const text = (objects: readonly StixObject[]) => {
    let chunk = '';
    for (const object of objects) {
      const json = JSON.stringify(object);
      hash.update(json);
      hash.update('\n');
      chunk += (first ? '' : ',') + json;
      first = false;
      summary.objects++;
    }
    summary.bytes += Buffer.byteLength(chunk);
    return chunk;
  };
  const head = '{"type":"bundle","objects":[';
  summary.bytes += head.length;
  yield head + text([stixIdentityObject(ownerName)]);
  const kinds: StixOver[] = selection.over === 'both' ? ['indicators', 'groups'] : [selection.over];
  for (const over of kinds) {
    let afterId = 0;
    for (;;) {
      const page = await ids(over, afterId, STIX_PAGE_SIZE);
      if (page.ids.length > 0) {
        const objects: StixObject[] = [];
        if (over === 'indicators') {
          for (const row of await readStixIndicatorRows(db, selection.ownerId, ownerName, page.ids)) {
            objects.push(...stixIndicatorObjects(row));
            for (const label of row.securityLabels) markings.add(label);
            summary.indicators++;
          }
        } else {
          for (const row of await readStixGroupRows(db, selection.ownerId, ownerName, page.ids)) {
            objects.push(...stixGroupObjects(row));
            for (const label of row.securityLabels) markings.add(label);
            summary.groups++;
          }
        }
        yield text(objects);
      }
      if (page.nextAfterId === undefined) break;
      afterId = page.nextAfterId;
    }
  }
  const used = [...markings].filter((l) => TLP_MARKINGS[l] !== undefined).map((l) => TLP_MARKINGS[l]!).sort((a, b) => (a.id < b.id ? -1 : 1));
  const markingText = text(used);
  summary.bundleId = stixIdFor('bundle', 'bundle', hash.digest('hex'));
  const tail = `${markingText}],"id":${JSON.stringify(summary.bundleId)}}`;
  summary.bytes += Buffer.byteLength(tail) - Buffer.byteLength(markingText);
  yield tail;
}

/**
 * Writes the bundle to `out` (a file, a reply), waiting for `out` to drain when it asks to;
 * `out` is not ended. Returns what was written.
 */
export async function writeStixBundle(db: Kysely<any>, selection: StixSelection, out: Writable): Promise<StixExportSummary> {
  const { chunks, summary } = stixBundleChunks(db, selection);
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => { out.off('drain', onDrain); out.off('error', done); out.off('close', onClose); if (error) reject(error); else resolve(); };
      const onDrain = () => done();
      const onClose = () => done(new Error('The output closed before the bundle was written.'));
      out.once('drain', onDrain).once('error', done).once('close', onClose);
    });
  }
  return summary;
}
