/**
 * The group type catalogue and its one check (core/intel/group-types): the catalogue agrees with
 * the spec's lists, and checkGroupValues refuses exactly the fields a type does not take, requires
 * exactly its required ones, and validates statuses and signature file types (property tests).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkGroupValues, EVENT_STATUSES, GROUP_TYPE_FIELDS, GROUP_TYPE_NAMES, GROUP_TYPES, groupTypeNamed, groupTypeOfBranch, INCIDENT_STATUSES,
  SIGNATURE_FILE_TYPES, signatureFileType, typesRequiring, typesTaking, type GroupTypeFieldName,
} from '../../../src/core/intel/group-types.js';

const FIELD_NAMES = Object.keys(GROUP_TYPE_FIELDS) as GroupTypeFieldName[];

/** A value every per-type field accepts as set (the columns hold text, dates as text, the flag as 0/1). */
const sample = (name: GroupTypeFieldName): unknown => (name === 'malware' ? 0 : name === 'fileType' ? 'YARA' : name === 'status' ? undefined : `${name} value`);

describe('group type catalogue', () => {
  it('lists the 17 types of spec §9 with the v2 branches of spec §6 and singular entity keys', () => {
    assert.deepEqual(GROUP_TYPES.map((t) => t.name), [...GROUP_TYPE_NAMES]);
    assert.equal(GROUP_TYPES.length, 17);
    assert.deepEqual(GROUP_TYPES.map((t) => t.v2Branch).sort(), [
      'adversaries', 'attackPatterns', 'campaigns', 'coursesOfAction', 'documents', 'emails', 'events', 'incidents', 'intrusionSets',
      'malware', 'reports', 'signatures', 'tactics', 'tasks', 'threats', 'tools', 'vulnerabilities',
    ]);
    assert.equal(new Set(GROUP_TYPES.map((t) => t.v2Entity)).size, 17);
    assert.equal(groupTypeOfBranch('attackPatterns')?.v2Entity, 'attackPattern');
    assert.equal(groupTypeOfBranch('COURSESOFACTION')?.name, 'Course of Action');
    assert.equal(groupTypeOfBranch('incident')?.name, 'Incident', 'a type name in any case names it too');
    assert.equal(groupTypeOfBranch('indicators'), undefined);
  });

  it('requires what spec §6 lists, and each required field is one the type takes', () => {
    assert.deepEqual(typesRequiring('fileName'), ['Document', 'Report', 'Signature']);
    assert.deepEqual(groupTypeNamed('Email')!.required, ['subject', 'header', 'body']);
    assert.deepEqual(typesRequiring('eventDate'), ['Event', 'Incident']);
    assert.deepEqual(groupTypeNamed('Signature')!.required, ['fileName', 'fileType', 'fileText']);
    for (const type of GROUP_TYPES) for (const name of type.required) assert.ok(type.fields.includes(name), `${type.name} takes ${name}`);
    assert.deepEqual(groupTypeNamed('Incident')!.statuses, INCIDENT_STATUSES);
    assert.deepEqual(groupTypeNamed('Event')!.statuses, EVENT_STATUSES);
    assert.deepEqual(GROUP_TYPES.filter((t) => t.holdsFile).map((t) => t.name), ['Document', 'Report']);
    for (const type of GROUP_TYPES) {
      for (const shown of type.v2Shows) assert.ok(['fileSize', 'firstSeen', 'lastSeen'].includes(shown.field) || type.fields.includes(shown.field as GroupTypeFieldName), `${type.name} shows ${shown.key}`);
    }
  });

  it('refuses exactly the per-type fields a type does not take, naming each', () => {
    fc.assert(fc.property(fc.constantFrom(...GROUP_TYPE_NAMES), fc.subarray(FIELD_NAMES.filter((f) => f !== 'status')), (typeName, names) => {
      const type = groupTypeNamed(typeName)!;
      const values: Record<string, unknown> = {};
      for (const name of names) values[GROUP_TYPE_FIELDS[name].column] = sample(name);
      for (const name of type.required) values[GROUP_TYPE_FIELDS[name].column] ??= sample(name);
      const refused = checkGroupValues(typeName, values).filter((p) => /does not apply/.test(p.message)).map((p) => p.field).sort();
      assert.deepEqual(refused, names.filter((n) => !type.fields.includes(n)).sort());
      for (const name of refused) assert.ok(!typesTaking(name as GroupTypeFieldName).includes(typeName));
    }));
  });

  it('requires on create exactly the type\'s required fields that are missing', () => {
    fc.assert(fc.property(fc.constantFrom(...GROUP_TYPE_NAMES), fc.infiniteStream(fc.boolean()), (typeName, keep) => {
      const type = groupTypeNamed(typeName)!;
      const values: Record<string, unknown> = {};
      const dropped = type.required.filter(() => !keep.next().value);
      for (const name of type.required) if (!dropped.includes(name)) values[GROUP_TYPE_FIELDS[name].column] = sample(name);
      const problems = checkGroupValues(typeName, values);
      assert.deepEqual(problems.map((p) => p.field).sort(), [...dropped].sort());
      assert.ok(problems.every((p) => p.message.startsWith('is required')), 'missing data, nothing else');
    }));
  });

  it('validates and normalises statuses per type, and completes the default', () => {
    fc.assert(fc.property(fc.constantFrom('Incident', 'Event'), fc.string({ maxLength: 30 }), (typeName, status) => {
      const type = groupTypeNamed(typeName)!;
      const values: Record<string, unknown> = { event_date: '2024-01-01T00:00:00Z', status };
      const problems = checkGroupValues(typeName, values);
      const known = type.statuses!.find((s) => s.toLowerCase() === status.toLowerCase());
      if (known) { assert.deepEqual(problems, []); assert.equal(values.status, known); } else assert.deepEqual(problems.map((p) => p.field), ['status']);
    }));
    const incident: Record<string, unknown> = { event_date: '2024-01-01T00:00:00Z', status: 'closed' };
    assert.deepEqual(checkGroupValues('Incident', incident), []);
    assert.equal(incident.status, 'Closed');
    const event: Record<string, unknown> = { event_date: '2024-01-01T00:00:00Z' };
    checkGroupValues('Event', event);
    assert.equal(event.status, 'Needs Review');
    const document: Record<string, unknown> = { file_name: 'a' };
    checkGroupValues('Document', document);
    assert.equal(document.status, 'Awaiting Upload');
    assert.deepEqual(checkGroupValues('Document', { status: 'Success' }, { status: 'Awaiting Upload' }).map((p) => p.message), ['is read-only for a Document group']);
    assert.deepEqual(checkGroupValues('Document', { status: 'Success' }, { status: 'Success' }), []);
  });

  it('reads a signature file type in any case, and nothing else', () => {
    fc.assert(fc.property(fc.constantFrom(...SIGNATURE_FILE_TYPES), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), (fileType, upper) => {
      const sent = [...fileType].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('');
      assert.equal(signatureFileType(` ${sent} `), fileType);
    }));
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (text) => {
      const found = signatureFileType(text);
      assert.ok(found === undefined || found.toLowerCase() === text.trim().toLowerCase());
    }));
  });

  it('asks for a password when a document is malware, on create and on update', () => {
    assert.deepEqual(checkGroupValues('Document', { file_name: 'a', malware: 1 }).map((p) => p.field), ['password']);
    assert.deepEqual(checkGroupValues('Document', { file_name: 'a', malware: 1, password: 'infected' }), []);
    assert.deepEqual(checkGroupValues('Document', { password: null }, { malware: 1, password: 'infected' }).map((p) => p.field), ['password']);
    assert.deepEqual(checkGroupValues('Document', { malware: 0, password: null }, { malware: 1, password: 'infected' }), []);
    assert.deepEqual(checkGroupValues('Document', { malware: null }, { malware: 0 }).map((p) => p.message), ['must be true or false']);
  });
});
