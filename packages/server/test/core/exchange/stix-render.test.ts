/**
 * The renderer and the reader are each other's inverse (core/exchange/stix/render.ts, import.ts),
 * property-tested without a database: any stored indicator or group (generated type, value, tags,
 * TLP labels, attributes, rating, confidence, dates, fields) rendered as STIX and read back is the
 * same item; ids are deterministic and follow the documented rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StixMapper, isItemProblem } from '../../../src/core/exchange/stix/import.js';
import {
  groupStixId, identityStixId, indicatorStixId, stixGroupObjects, stixIdFor, stixIndicatorObjects, TLP_MARKINGS, type StixGroupRow, type StixIndicatorRow,
} from '../../../src/core/exchange/stix/render.js';
import { GROUP_TYPE_NAMES } from '../../../src/core/intel/group-types.js';
import { indicatorTypeNamed, readIndicatorValue } from '../../../src/core/intel/indicator-types.js';
import type { GroupItem, IndicatorItem, ItemAttribute } from '../../../src/core/exchange/items.js';

const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,18}[A-Za-z0-9]$/);
const time = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
const ATTRIBUTE_TYPES = ['Description', 'Source', 'Title', 'External ID', 'Reference Link', 'Aliases', 'Motivation'];
const attributes = fc.array(fc.record({ type: fc.constantFrom(...ATTRIBUTE_TYPES), value: word }), { maxLength: 5 });
const common = fc.record({
  ownerName: word, dateAdded: time, lastModified: time,
  tags: fc.uniqueArray(word, { maxLength: 4 }), securityLabels: fc.subarray(Object.keys(TLP_MARKINGS)), attributes,
});
const indicatorValue = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => ({ type: 'Address', slots: { value1: p.join('.') } })),
  word.map((w) => ({ type: 'Mutex', slots: { value1: w } })),
  fc.stringMatching(/^[a-z][a-z0-9]{0,10}\.[a-z]{2,5}$/).map((h) => ({ type: 'Host', slots: { value1: h } })),
  fc.integer({ min: 0, max: 4_294_967_295 }).map((n) => ({ type: 'ASN', slots: { value1: `ASN${n}` } })),
  fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => ({ type: 'File', slots: { value3: h } })),
);

const sortAttributes = (list: readonly ItemAttribute[] | undefined) => [...(list ?? [])].map((a) => `${a.type}=${a.value}`).sort();
const mapOne = (objects: Record<string, unknown>[]) => {
  const mapper = new StixMapper();
  const out = objects.flatMap((o, i) => mapper.map(o, i));
  out.push(...mapper.finish());
  return out;
};

describe('STIX render ↔ import', () => {
  it('an indicator rendered and read back is the same item', () => {
    fc.assert(fc.property(common, indicatorValue, fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }), (base, { type, slots }, rating, confidence) => {
      const read = readIndicatorValue(indicatorTypeNamed(type)!, (k) => (slots[k.slot as keyof typeof slots] === undefined ? undefined : { name: k.v3Key, value: slots[k.slot as keyof typeof slots] }));
      fc.pre('value' in read);
      const value = (read as { value: { summary: string; value1: string | null; value2: string | null; value3: string | null } }).value;
      const row: StixIndicatorRow = { id: 1, type, summary: value.summary, value1: value.value1, value2: value.value2, value3: value.value3, rating, confidence, groups: [], indicators: [], ...base };
      const objects = stixIndicatorObjects(row);
      assert.equal(objects[0]!.id, indicatorStixId(base.ownerName, type, value.summary));
      assert.equal(objects[0]!.id, stixIdFor('indicator', 'indicator', base.ownerName, type, value.summary));
      const results = mapOne(objects);
      assert.ok(results.every((r) => !isItemProblem(r)), JSON.stringify(results));
      const item = results[0] as IndicatorItem;
      assert.equal(results.length, 1);
      assert.deepEqual([item.type, item.summary], [type, value.summary]);
      assert.deepEqual(item.tags ?? [], [...base.tags].sort());
      assert.deepEqual([...(item.securityLabels ?? [])].sort(), [...base.securityLabels].sort());
      assert.deepEqual(sortAttributes(item.attributes), sortAttributes(base.attributes));
      assert.deepEqual([item.rating, item.confidence, item.created, item.modified], [rating ?? undefined, confidence ?? undefined, base.dateAdded, base.lastModified]);
    }), { numRuns: 500 });
  });

  it('a group rendered and read back is the same item (type, name, xid as its STIX id, fields, metadata)', () => {
    const types = GROUP_TYPE_NAMES.filter((t) => t !== 'Signature');
    fc.assert(fc.property(common, fc.constantFrom(...types), word, fc.uuid(), (base, type, name, uuid) => {
      const fields: StixGroupRow['fields'] = type === 'Incident' || type === 'Event' ? { eventDate: base.dateAdded } : type === 'Document' || type === 'Report' ? { fileName: `${name}.pdf` } : type === 'Email' ? { subject: name, header: 'h', body: 'b' } : {};
      const row: StixGroupRow = { id: 1, type, xid: uuid, name, fields, groups: [], indicators: [], ...base };
      const objects = stixGroupObjects(row);
      const id = groupStixId(base.ownerName, type, uuid);
      assert.equal(objects[0]!.id, id);
      const results = mapOne(objects);
      assert.ok(results.every((r) => !isItemProblem(r)), JSON.stringify(results));
      const item = results.find((r) => !isItemProblem(r) && r.kind === 'group') as GroupItem;
      assert.deepEqual([item.type, item.name, item.xid], [type, name, id]);
      assert.deepEqual(item.tags ?? [], [...base.tags].sort());
      assert.deepEqual([...(item.securityLabels ?? [])].sort(), [...base.securityLabels].sort());
      assert.deepEqual(sortAttributes(item.attributes), sortAttributes(base.attributes));
      const expectedFields = { ...fields, ...(type === 'Report' ? { publishDate: base.dateAdded } : {}) };
      assert.deepEqual(item.fields ?? {}, expectedFields);
      assert.deepEqual([item.created, item.modified], [base.dateAdded, base.lastModified]);
      // Rendered again from what was read, it is the same object: the group keeps the id it came with.
      const again = stixGroupObjects({ ...row, xid: id, fields: (item.fields ?? {}) as StixGroupRow["fields"] });
      assert.deepEqual(again[0], objects[0]);
    }), { numRuns: 500 });
  });

  it('ids follow the documented rule', () => {
    assert.equal(identityStixId('Acme'), stixIdFor('identity', 'identity', 'Acme'));
    assert.equal(groupStixId('Acme', 'Adversary', 'threat-actor--6b0b5c8e-2a47-4f5e-9d8c-0a1b2c3d4e5f'), 'threat-actor--6b0b5c8e-2a47-4f5e-9d8c-0a1b2c3d4e5f');
    assert.notEqual(groupStixId('Acme', 'Adversary', 'malware--6b0b5c8e-2a47-4f5e-9d8c-0a1b2c3d4e5f'), 'malware--6b0b5c8e-2a47-4f5e-9d8c-0a1b2c3d4e5f', 'a STIX id of another type is no identity of an Adversary');
    assert.match(groupStixId('Acme', 'Adversary', 'my-xid'), /^threat-actor--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(indicatorStixId('Acme', 'Host', 'a.example'), indicatorStixId('Acme Two', 'Host', 'a.example'), 'the owner\'s name is part of the id');
  });
});
