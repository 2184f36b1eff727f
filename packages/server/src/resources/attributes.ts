/**
 * Attributes (spec threatconnect.md §9): `/v3/indicatorAttributes`, `/v3/groupAttributes` and
 * `/v3/caseAttributes`, one declaration made three times, and the read-only `/v3/attributeTypes`
 * catalogue. The rules (type, size, default, the parent's description and source that follow)
 * live in core/intel/attributes.ts.
 */
import { sql } from 'kysely';
import { ATTRIBUTE_PARENTS, followAttributes, MAX_ATTRIBUTE_VALUE, prepareAttributeChange, prepareNewAttribute, type AttributeParentKind } from '../core/intel/attributes.js';
import { computedKeyword, defineResource, field, keyword } from './define.js';
import { securityLabelsCollection } from './metadata.js';
import type { ResourceDefinition } from './types.js';

const capitalized = (kind: string) => kind.charAt(0).toUpperCase() + kind.slice(1);

function attributeResource(kind: AttributeParentKind): ResourceDefinition {
  const parent = ATTRIBUTE_PARENTS[kind];
  const Kind = capitalized(kind);
  const idField = `${kind}Id`;
  const column = (alias: string, name: string) => sql.ref(`${alias}.${name}`);
  return defineResource({
    name: `${kind}Attributes`,
    itemType: `${Kind}Attribute`,
    // hasAttribute() on indicators, groups and cases alike (tcex's `hasattribute`).
    subQueryName: 'Attribute',
    table: parent.table,
    ownerColumn: 'owner_id',
    parents: [{ idField, resource: parent.parentTable, column: parent.parentColumn }],
    fields: {
      id: field.id('The ID of the attribute', { tql: true, sortable: true }),
      [idField]: field.parentId(`The ID of the ${kind} the attribute belongs to`, { column: parent.parentColumn, tql: true, sortable: true }),
      type: field.string('type', 'The attribute type name (GET /v3/attributeTypes lists them, with the kinds each applies to)', {
        required: true, createOnly: true, maxLength: 100, tql: 'typeName', tqlDescription: 'The name of the attribute type', sortable: true,
      }),
      value: field.string('value', 'The attribute value (at most the type\'s maxSize characters)', { required: true, maxLength: MAX_ATTRIBUTE_VALUE, tql: true }),
      source: field.string('source', 'The attribute source', { maxLength: 1500, tql: true }),
      default: field.boolean('is_default', `Whether this is the default attribute of its type on the ${kind} (setting it clears the flag of the others)`, { tql: true }),
      pinned: field.boolean('pinned', 'Whether the attribute is pinned for importance', { tql: true }),
      displayed: field.boolean('displayed', `Whether the attribute is displayed on the ${kind} (default true)`, { tql: true }),
      createdBy: field.user('created_by_id', 'The user who added the attribute'),
      dateAdded: field.date('date_added', 'The date the attribute was added', { readOnly: true, tql: true, sortable: true }),
      lastModified: field.date('last_modified', 'The date the attribute was last modified', { readOnly: true, tql: true, sortable: true }),
    },
    collections: {
      securityLabels: securityLabelsCollection(`${parent.table.replace(/s$/, '')}_labels`, 'attribute_id', 'attribute'),
    },
    extraTql: [
      computedKeyword('type', 'Integer', (alias) => sql`select attribute_types.id from attribute_types where attribute_types.name = ${column(alias, 'type')}`, 'The ID of the attribute type'),
      keyword('text', 'String', 'value', 'The attribute value'),
      keyword('owner', 'Integer', 'owner_id', 'The ID of the owner'),
      computedKeyword('ownerName', 'String', (alias) => sql`select owners.name from owners where owners.id = ${column(alias, 'owner_id')}`, 'The name of the owner'),
      computedKeyword('user', 'String', (alias) => sql`select users.user_name from users where users.id = ${column(alias, 'created_by_id')}`, 'The user name of the user who added the attribute'),
    ],
    defaultSort: { column: 'id', direction: 'asc' },
    onCreate: (values, ctx) => prepareNewAttribute(ctx.db, kind, values, ctx.principal.userId),
    afterCreate: (_id, values, ctx) => followAttributes(ctx.db, kind, [Number(values[parent.parentColumn])], ctx.now),
    onUpdate: (values, existing, ctx) => prepareAttributeChange(ctx.db, kind, values, existing),
    afterUpdate: (_id, _values, existing, ctx) => followAttributes(ctx.db, kind, [Number(existing[parent.parentColumn])], ctx.now),
    afterDelete: (rows, ctx) => followAttributes(ctx.db, kind, rows.map((row) => Number(row[parent.parentColumn])), ctx.now),
  });
}

export const indicatorAttributes = attributeResource('indicator');
export const groupAttributes = attributeResource('group');
export const caseAttributes = attributeResource('case');

export const attributeTypes = defineResource({
  name: 'attributeTypes',
  itemType: 'AttributeType',
  table: 'attribute_types',
  ownerColumn: null,
  readOnly: true,
  fields: {
    id: field.id('The ID of the attribute type', { tql: true, sortable: true }),
    name: field.string('name', 'The name of the attribute type', { readOnly: true, tql: true, sortable: true }),
    description: field.string('description', 'The description of the attribute type', { readOnly: true }),
    maxSize: field.integer('max_size', 'The longest value the type takes, in characters', { readOnly: true, tql: true }),
    allowMarkdown: field.boolean('allow_markdown', 'Whether values may be written in Markdown', { readOnly: true }),
    appliesTo: field.string('applies_to', 'The kinds of item the type applies to: Indicator, Group, Case (comma-separated)', { readOnly: true }),
  },
  defaultSort: { column: 'id', direction: 'asc' },
});
