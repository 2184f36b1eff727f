/** defineResource: TQL keywords and sort keys come from the fields' marks, and bad marks fail at start-up. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { defineResource, field, keyword } from '../../src/resources/define.js';
import { artifactTypes, securityOwners, tags } from '../../src/resources/catalogue.js';
import { cases } from '../../src/resources/case-management.js';
import { KINDS } from '../../src/resources/kinds/index.js';
import { buildRegistry, RESOURCES, resourceNamed } from '../../src/resources/registry.js';
import type { ResourceDeclaration } from '../../src/resources/types.js';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';

const base = (fields: ResourceDeclaration['fields'], extraTql?: ResourceDeclaration['extraTql']): ResourceDeclaration =>
  ({ name: 'widgets', itemType: 'Widget', table: 'widgets', ownerColumn: 'owner_id', fields, ...(extraTql ? { extraTql } : {}) });

describe('defineResource', () => {
  it('derives keywords (name, type from the kind, column, description, enum values) and sort keys from the marks', () => {
    const widgets = defineResource(base({
      id: field.id('The ID of the widget', { tql: true, sortable: true }),
      label: field.string('label', 'The label', { tql: true, tqlType: 'StringLower' }),
      colour: field.enum('colour', ['Red', 'Blue'], 'The colour', { tql: true }),
      madeBy: field.user('made_by_id', 'The maker', { tql: 'madeById', tqlDescription: 'The ID of the maker' }),
      madeOn: field.date('made_on', 'The day it was made', { sortable: true }),
      hidden: field.string('hidden', 'Not searchable'),
    }, [keyword('summary', 'StringLower', 'label', 'The label again')]));
    assert.deepEqual(widgets.tql.map((k) => [k.keyword, k.type, k.column, k.description, k.allowableValues]), [
      ['id', 'Integer', 'id', 'The ID of the widget', undefined],
      ['label', 'StringLower', 'label', 'The label', undefined],
      ['colour', 'Enum', 'colour', 'The colour', ['Red', 'Blue']],
      ['madeById', 'Integer', 'made_by_id', 'The ID of the maker', undefined],
      ['summary', 'StringLower', 'label', 'The label again', undefined],
    ]);
    assert.deepEqual(widgets.sortable, { id: 'id', madeOn: 'made_on' });
  });

  it('refuses a mark on a field without a column, a kind TQL cannot compare, and a keyword declared twice', () => {
    assert.throws(() => defineResource(base({ score: { ...field.computed('Integer', 'A score', () => 1), tql: true } })), /widgets\.score .* no column/);
    assert.throws(() => defineResource(base({ owner: field.owner({ tql: true }) })), /widgets\.owner: a owner field has no TQL type/);
    assert.throws(() => defineResource(base({ name: field.string('name', 'n', { tql: true }) }, [keyword('NAME', 'String', 'name', 'again')])), /keyword NAME twice/);
  });

  it('derives a has…() sub-query from every parent and every collection, joined on the declared columns', () => {
    const nested = (name: string) => Object.fromEntries((resourceNamed(name).nested ?? []).map((n) => [n.keyword, [n.target, n.link]]));
    assert.deepEqual(nested('tasks'), {
      hasCase: ['cases', { outerColumn: 'case_id', innerColumn: 'id' }],
      hasNote: ['notes', { outerColumn: 'id', innerColumn: 'task_id' }],
      hasArtifact: ['artifacts', { outerColumn: 'id', innerColumn: 'task_id' }],
    });
    assert.deepEqual(nested('tags'), {
      hasCase: ['cases', { outerColumn: 'id', innerColumn: 'id', via: { table: 'case_tags', outerColumn: 'tag_id', innerColumn: 'case_id' } }],
      hasIndicator: ['indicators', { outerColumn: 'id', innerColumn: 'id', via: { table: 'indicator_tags', outerColumn: 'tag_id', innerColumn: 'indicator_id' } }],
      hasGroup: ['groups', { outerColumn: 'id', innerColumn: 'id', via: { table: 'group_tags', outerColumn: 'tag_id', innerColumn: 'group_id' } }],
    });
    assert.deepEqual(Object.keys(nested('cases')).sort(), ['hasArtifact', 'hasAttribute', 'hasCase', 'hasGroup', 'hasIndicator', 'hasNote', 'hasTag', 'hasTask', 'hasWorkflowEvent']);
    // The three attribute resources are all hasAttribute() (their subQueryName), whatever their item type.
    assert.deepEqual(nested('indicators').hasAttribute, ['indicatorAttributes', { outerColumn: 'id', innerColumn: 'indicator_id' }]);
    assert.deepEqual(nested('groups').hasAttribute, ['groupAttributes', { outerColumn: 'id', innerColumn: 'group_id' }]);
    assert.deepEqual(Object.keys(nested('indicatorAttributes')).sort(), ['hasIndicator', 'hasSecurityLabel']);
    // An association seen from its other side reads the same table with the columns swapped; an oriented one looks both ways.
    assert.deepEqual(nested('groups').hasIndicator, ['indicators', { outerColumn: 'id', innerColumn: 'id', via: { table: 'indicator_groups', outerColumn: 'group_id', innerColumn: 'indicator_id' } }]);
    assert.deepEqual(nested('indicators').hasIndicator, ['indicators', { outerColumn: 'id', innerColumn: 'id', via: { table: 'indicator_indicators', outerColumn: 'indicator_id', innerColumn: 'associated_indicator_id', bothWays: true } }]);
  });

  it('every declared resource\'s keywords and sort keys name columns its table has after migration', async () => {
    const store = openStore({ sqlitePath: ':memory:' });
    await migrateToLatest(store);
    try {
      for (const resource of RESOURCES.values()) {
        const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${resource.table})`.execute(store.db);
        const columns = new Set(rows.map((r) => r.name));
        assert.ok(resource.tql.length > 0 && resource.sortable.id === 'id', resource.name);
        // Keywords on computed values (a user's name) have no column; test/resources/tcex-keywords runs each of them.
        for (const k of resource.tql) if (k.column !== undefined) assert.ok(columns.has(k.column), `${resource.name} keyword ${k.keyword}: no column ${k.column}`);
        for (const [key, column] of Object.entries(resource.sortable)) assert.ok(columns.has(column), `${resource.name} sort key ${key}: no column ${column}`);
      }
    } finally {
      await store.close();
    }
  });

  it('derives a collection\'s field entry from the collection, declared once', () => {
    const widgets = defineResource({
      ...base({ id: field.id() }),
      collections: { parts: { kind: 'children', target: 'parts', parentField: 'widgetId', itemType: 'Part', description: 'The parts', readOnly: true } },
    });
    assert.deepEqual(widgets.fields.parts, { type: 'Parts', kind: 'collection', includedByDefault: false, description: 'The parts', readOnly: true });
    assert.throws(() => defineResource({
      ...base({ parts: field.string('parts', 'Parts as text') }),
      collections: { parts: { kind: 'children', target: 'parts', parentField: 'widgetId', itemType: 'Part', description: 'The parts' } },
    }), /declared as a field and as a collection/);
  });

  it('buildRegistry completes copies of the declarations it is given, and refuses one naming an undeclared resource', () => {
    const catalogues = buildRegistry([artifactTypes, securityOwners]);
    assert.deepEqual([...catalogues.resources.keys()], ['artifactTypes', 'security/owners']);
    assert.equal(cases.nested, undefined, 'the declaration itself is not filled in');
    assert.ok(resourceNamed('cases').nested!.length > 0);
    assert.throws(() => buildRegistry([tags]), /No resource declared as "cases"/);
    assert.throws(() => buildRegistry([artifactTypes, artifactTypes]), /Two resources are declared as "artifactTypes"/);
  });

  it('every field of every resource has a kind that renders it and gives its JSON schema', () => {
    for (const resource of RESOURCES.values()) {
      for (const [name, def] of Object.entries(resource.fields)) {
        const kind = KINDS[def.kind];
        assert.ok(kind, `${resource.name}.${name}: kind ${def.kind}`);
        assert.equal(typeof kind.schemaOf(def).description, 'string', `${resource.name}.${name}`);
        if (kind.write === 'column' && !def.readOnly) assert.ok(kind.convert, `${resource.name}.${name} is writable, so its kind converts`);
      }
    }
  });
});

describe('what computed fields read', () => {
  it('a computed field that declares reads reads nothing else of the row, and one that reads an extra column declares it', () => {
    const lookups = { user: () => undefined, ownerName: () => 'Owner', publicUrl: '' };
    for (const resource of RESOURCES.values()) {
      const extra = new Set(Object.keys(resource.extraColumns ?? {}));
      for (const [name, def] of Object.entries(resource.fields)) {
        if (!def.compute) continue;
        for (const type of ['Host', 'File', 'Document', 'Incident']) {
          const read = new Set<string>();
          const row = new Proxy({ id: 1, type, summary: 'x', owner_id: 1 } as Record<string, unknown>, {
            get(target, key) { if (typeof key === 'string') read.add(key); return target[key as string]; },
          });
          try { def.compute(row, lookups as never); } catch { /* only the keys read matter */ }
          const allowed = new Set([...(def.reads ?? []), ...(def.column ? [def.column] : [])]);
          const undeclared = [...read].filter((key) => (def.reads !== undefined || extra.has(key)) && !allowed.has(key));
          assert.deepEqual(undeclared, [], `${resource.name}.${name} reads ${undeclared.join(', ')} of a ${type} row without declaring it in reads`);
        }
      }
    }
  });
});
