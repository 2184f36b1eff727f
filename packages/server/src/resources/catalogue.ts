/** Tags, security labels, artifact types and owners (spec threatconnect.md §9). */
import type { Kysely } from 'kysely';
import { CairnError } from '../core/errors.js';
import { refuseDeletingLabelInUse } from '../core/intel/security-labels.js';
import { defineResource, field, keyword } from './define.js';

/** A tag's name as stored in `normalized`: names are unique per owner, ignoring case and outer spaces. */
export const normalizeTagName = (name: string): string => name.trim().toLowerCase();

/** Sets name, normalized and techniqueId from a tag's name. */
function nameTag(values: Record<string, unknown>): void {
  const name = String(values.name).trim();
  values.name = name;
  values.normalized = normalizeTagName(name);
  values.technique_id = /^T\d{4}(\.\d{3})?$/.test(name) ? name : null;
}

const tagNameTaken = (name: unknown, id: number) => `A tag named "${String(name)}" already exists (id ${id}).`;

/** A renamed tag's name must stay unique per owner, ignoring case. */
async function checkTagRename(values: Record<string, unknown>, db: Kysely<any>, ownerId: number, exceptId: number): Promise<void> {
  const taken = await db.selectFrom('tags').select('id').where('owner_id', '=', ownerId).where('normalized', '=', values.normalized as string).where('id', '!=', exceptId).executeTakeFirst();
  if (taken) throw new CairnError('conflict', tagNameTaken(values.name, Number(taken.id)));
}

export const tags = defineResource({
  name: 'tags',
  itemType: 'Tag',
  table: 'tags',
  ownerColumn: 'owner_id',
  fields: {
    id: field.id('The ID of the tag', { tql: true, sortable: true }),
    name: field.string('name', 'The name of the tag', { required: true, maxLength: 128, tql: true, tqlType: 'StringLower', tqlDescription: 'The name of the tag (case insensitive)', sortable: true }),
    description: field.string('description', 'The description of the tag', { maxLength: 1500, tql: true }),
    techniqueId: field.string('technique_id', 'The ATT&CK technique ID of the tag', { readOnly: true, tql: true }),
    normalized: field.computed('Boolean', 'Whether the tag is an ATT&CK technique', (row) => row.technique_id !== null),
    lastUsed: field.date('last_used', 'When the tag was last applied', { readOnly: true, tql: true, sortable: true }),
    dateAdded: field.date('date_added', 'The date the tag was added', { readOnly: true, includedByDefault: false }),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true }),
  },
  collections: {
    // Read with ?fields=cases; tags are applied to cases from the case side (PUT /v3/cases/{id} tags).
    cases: { kind: 'linked', target: 'cases', table: 'case_tags', parentColumn: 'tag_id', targetColumn: 'case_id', itemType: 'Case', description: 'The cases with this tag', readOnly: true },
    // Read with ?fields=indicators / ?fields=groups (hasIndicator(), hasGroup() follow); applied from their side.
    indicators: { kind: 'linked', target: 'indicators', table: 'indicator_tags', parentColumn: 'tag_id', targetColumn: 'indicator_id', itemType: 'Indicator', description: 'The indicators with this tag', readOnly: true },
    groups: { kind: 'linked', target: 'groups', table: 'group_tags', parentColumn: 'tag_id', targetColumn: 'group_id', itemType: 'Group', description: 'The groups with this tag', readOnly: true },
  },
  extraTql: [
    keyword('summary', 'StringLower', 'name', 'The name of the tag (case insensitive)'),
  ],
  defaultSort: { column: 'id', direction: 'asc' },
  // Names are unique per owner ignoring case (tags_name_per_owner): a create claims the name, or a
  // case naming the tag links the one stored meanwhile.
  uniqueKeys: [{ columns: ['owner_id', 'normalized'], conflict: (values, id) => tagNameTaken(values.name, id) }],
  onCreate(values) {
    nameTag(values);
  },
  async onUpdate(values, existing, ctx) {
    if (values.name === undefined) return;
    nameTag(values);
    await checkTagRename(values, ctx.db, Number(existing.owner_id), Number(existing.id));
  },
});

const labelNameTaken = (name: unknown, id: number) => `A security label named "${String(name)}" already exists (id ${id}).`;

export const securityLabels = defineResource({
  name: 'securityLabels',
  itemType: 'SecurityLabel',
  table: 'security_labels',
  ownerColumn: 'owner_id',
  includeSystemRows: true,
  fields: {
    id: field.id('The ID of the security label', { tql: true, sortable: true }),
    name: field.string('name', 'The name of the security label', { required: true, maxLength: 50, tql: true, sortable: true }),
    description: field.string('description', 'The description of the security label', { maxLength: 1500 }),
    color: field.string('color', 'The color of the label as six hex digits', { maxLength: 6, defaultValue: 'FFFFFF', tql: true }),
    owner: { ...field.owner(), description: 'The owner of the label ("System" for the TLP labels)' },
    dateAdded: field.date('date_added', 'The date the label was added', { readOnly: true, tql: true, sortable: true }),
  },
  extraTql: [
    keyword('summary', 'String', 'name', 'The name of the label'),
  ],
  defaultSort: { column: 'id', direction: 'asc' },
  // A name is unique per owner (security_labels_name_per_owner): a create claims it. The System
  // labels are seeded once and never created, so looking them up first races with nothing.
  uniqueKeys: [{ columns: ['owner_id', 'name'], conflict: (values, id) => labelNameTaken(values.name, id) }],
  async onCreate(values, ctx) {
    values.color ??= 'FFFFFF';
    if (!/^[0-9A-Fa-f]{6}$/.test(String(values.color))) throw new CairnError('validation', 'color must be six hex digits such as FF2B2B.', { fields: [{ field: 'color', message: 'must be six hex digits' }] });
    const system = await ctx.db.selectFrom('security_labels').select('id').where('name', '=', values.name as string).where('owner_id', 'is', null).executeTakeFirst();
    if (system) throw new CairnError('conflict', labelNameTaken(values.name, Number(system.id)));
  },
  // A label still applied is not deleted with its links (core/intel/security-labels.ts): 0x2006.
  async onDelete(rows, ctx) {
    for (const row of rows) await refuseDeletingLabelInUse(ctx.db, row);
  },
  async onUpdate(values, existing, ctx) {
    if (existing.owner_id === null) throw new CairnError('forbidden', 'System security labels cannot be changed.');
    if (values.color !== undefined && !/^[0-9A-Fa-f]{6}$/.test(String(values.color))) throw new CairnError('validation', 'color must be six hex digits such as FF2B2B.', { fields: [{ field: 'color', message: 'must be six hex digits' }] });
    if (values.name !== undefined && values.name !== existing.name) {
      const taken = await ctx.db.selectFrom('security_labels').select('id').where('name', '=', values.name as string)
        .where((eb) => eb.or([eb('owner_id', '=', Number(existing.owner_id)), eb('owner_id', 'is', null)])).executeTakeFirst();
      if (taken) throw new CairnError('conflict', labelNameTaken(values.name, Number(taken.id)));
    }
  },
});

export const artifactTypes = defineResource({
  name: 'artifactTypes',
  itemType: 'ArtifactType',
  table: 'artifact_types',
  ownerColumn: null,
  readOnly: true,
  fields: {
    id: field.id('The ID of the artifact type', { tql: true, sortable: true }),
    name: field.string('name', 'The name of the artifact type', { readOnly: true, tql: true, sortable: true }),
    description: field.string('description', 'The description of the artifact type', { readOnly: true }),
    dataType: field.string('data_type', 'The data type of the artifact type', { readOnly: true, tql: true }),
    intelType: field.string('intel_type', 'The intel type of the artifact type', { readOnly: true, tql: true }),
    derivedLink: field.boolean('derived_link', 'Whether the artifact type derives an indicator link', { readOnly: true }),
  },
  defaultSort: { column: 'id', direction: 'asc' },
});

export const securityOwners = defineResource({
  name: 'security/owners',
  itemType: 'Owner',
  table: 'owners',
  ownerColumn: 'id',
  readOnly: true,
  fields: {
    id: field.id('The ID of the owner', { tql: true, sortable: true }),
    name: field.string('name', 'The name of the owner', { readOnly: true, tql: true, sortable: true }),
    type: field.string('type', 'Organization, Community or Source', { readOnly: true, tql: true, sortable: true }),
    // Members of a community read and write its data like their organization's (no finer roles yet).
    ownerRole: field.computed('String', 'The caller\'s role in the owner', (row) => (row.type === 'Organization' ? 'Organization Administrator' : 'Member')),
    permTag: field.computed('String', 'Permission to tag', () => 'FULL'),
    permCase: field.computed('String', 'Permission on cases', () => 'FULL'),
    permIndicator: field.computed('String', 'Permission on indicators', () => 'FULL'),
  },
  defaultSort: { column: 'id', direction: 'asc' },
});
