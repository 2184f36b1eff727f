/**
 * The metadata collections of intelligence (spec threatconnect.md §7.5, §9), declared once and
 * spread into the indicator and group declarations: `attributes` (the attribute resources),
 * `tags` (the one tag catalogue cases use too: found by name or created, `{"techniqueId":"T1566"}`
 * for ATT&CK) and `securityLabels` (found by name or id among the owner's labels and the system's
 * TLP labels, never created), with their TQL keywords `attribute`, `tag` and `securityLabel`. The
 * registry makes hasAttribute(), hasTag() and hasSecurityLabel() of them.
 */
import { normalizeTagName } from './catalogue.js';
import type { CollectionDefinition, LinkedCollection, ResourceDeclaration } from './types.js';

/** A security label applied by name (`{"name":"TLP:RED"}`) or id; the name must exist already. */
export function securityLabelsCollection(table: string, parentColumn: string, what: string): LinkedCollection {
  return {
    kind: 'linked', target: 'securityLabels', table, parentColumn, targetColumn: 'label_id', itemType: 'SecurityLabel',
    description: `The security labels of the ${what}`,
    byName: { keys: ['name'], column: 'name', normalize: (name) => name.trim(), maxLength: 50, createMissing: false },
    keywords: [{ keyword: 'securityLabel', type: 'String', column: 'name', description: `The name of a security label applied to the ${what}` }],
  };
}

/** Tags applied by name (`{"name":"Phishing"}`, `{"techniqueId":"T1566"}`) or id, created on first use. */
function tagsCollection(table: string, parentColumn: string, what: string): LinkedCollection {
  return {
    kind: 'linked', target: 'tags', table, parentColumn, targetColumn: 'tag_id', itemType: 'Tag', description: `The tags of the ${what}`,
    byName: { keys: ['name', 'techniqueId'], column: 'normalized', normalize: normalizeTagName, maxLength: 128 },
    touchColumn: 'last_used',
    keywords: [{ keyword: 'tag', type: 'StringLower', column: 'name', description: `The name of a tag applied to the ${what} (case insensitive)` }],
  };
}

/** `attributes`, `tags` and `securityLabels` of indicators (`indicator`) or groups (`group`). */
export function intelMetadataCollections(kind: 'indicator' | 'group'): Record<string, CollectionDefinition> {
  const Kind = kind === 'indicator' ? 'Indicator' : 'Group';
  return {
    attributes: {
      kind: 'children', target: `${kind}Attributes`, parentField: `${kind}Id`, itemType: `${Kind}Attribute`, description: `The attributes of the ${kind}`,
      // A Description (Source) attribute sets the indicator's or group's description (source) column.
      changesParent: true,
      keywords: [{ keyword: 'attribute', type: 'String', column: 'value', description: `The value of an attribute of the ${kind}` }],
    },
    tags: tagsCollection(`${kind}_tags`, `${kind}_id`, kind),
    securityLabels: securityLabelsCollection(`${kind}_labels`, `${kind}_id`, kind),
  };
}

/** hasAllTags(): every tag the inner query matches (in the item's owner) is applied, and one is. */
export const hasAllTags = (kind: 'indicator' | 'group'): NonNullable<ResourceDeclaration['everyQueries']>[number] =>
  ({ keyword: 'hasAllTags', collection: 'tags', description: `A nested query for tags every one of which the ${kind} has` });
