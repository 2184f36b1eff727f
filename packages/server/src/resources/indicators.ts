/**
 * Indicators (spec threatconnect.md §5, §9): one resource over every indicator type. The rules
 * (which keys each type takes, how a value is validated and normalised, the summary, which values
 * address it) live in core/intel; this declaration calls them.
 *
 * SKELETON (issue 9 foundation): the value keys are accepted and joined into the summary without
 * validation; core/intel replaces that.
 */
import { CairnError } from '../core/errors.js';
import { indicatorAssociationKeywords, indicatorAssociations } from './associations.js';
import { defineResource, field } from './define.js';
import { hasAllTags, intelMetadataCollections } from './metadata.js';

export const INDICATOR_TYPES = ['Address', 'EmailAddress', 'File', 'Host', 'URL', 'ASN', 'CIDR', 'Mutex', 'Registry Key', 'User Agent', 'Email Subject', 'Hashtag'] as const;

/** Body keys naming an indicator's value (v3 names; the custom types use their labels). */
const VALUE_KEYS = ['ip', 'address', 'hostName', 'text', 'md5', 'sha1', 'sha256', 'value1', 'value2', 'value3', 'AS Number', 'Block', 'Mutex', 'Key Name', 'Value Name', 'Value Type', 'User Agent String', 'Subject', 'Hashtag'] as const;

const valueKey = (name: string) => field.computed('String', `The indicator's value (${name})`, () => undefined);

export const indicators = defineResource({
  name: 'indicators',
  itemType: 'Indicator',
  table: 'indicators',
  ownerColumn: 'owner_id',
  fields: {
    id: field.id('The ID of the indicator', { tql: true, sortable: true }),
    type: field.enum('type', INDICATOR_TYPES, 'The type of the indicator', { required: true, createOnly: true, tql: 'typeName', sortable: true }),
    summary: field.string('summary', 'The indicator\'s value as shown', { readOnly: true, tql: true, sortable: true }),
    rating: field.integer('rating', 'The rating of the indicator, 0 to 5', { minValue: 0, maxValue: 5, tql: true, sortable: true }),
    confidence: field.integer('confidence', 'The confidence in the indicator, 0 to 100', { minValue: 0, maxValue: 100, tql: true, sortable: true }),
    active: field.boolean('active', 'Whether the indicator is active', { tql: true }),
    activeLocked: field.boolean('active_locked', 'Whether the active status is locked', { tql: true }),
    privateFlag: field.boolean('private_flag', 'Whether the indicator is private', { tql: true }),
    dateAdded: field.date('date_added', 'The date the indicator was added', { readOnly: true, tql: true, sortable: true }),
    lastModified: field.date('last_modified', 'The date the indicator was last modified', { readOnly: true, tql: true, sortable: true }),
    owner: field.owner(),
    ownerId: field.ownerId({ tql: true, sortable: true }),
    ...Object.fromEntries(VALUE_KEYS.map((key) => [key, { ...valueKey(key), readOnly: false, createOnly: true, writeOnly: true }])),
  },
  collections: {
    ...intelMetadataCollections('indicator'),
    ...indicatorAssociations,
  },
  everyQueries: [hasAllTags('indicator')],
  extraTql: [...indicatorAssociationKeywords],
  defaultSort: { column: 'id', direction: 'asc' },
  onCreate(values) {
    const parts = VALUE_KEYS.map((key) => values[key]).filter((v) => v !== undefined && v !== null).map(String);
    if (parts.length === 0) throw new CairnError('validation', 'An indicator needs its value.', { fields: [{ field: 'summary', message: 'is required' }] });
    values.summary = parts.join(' : ');
  },
});
