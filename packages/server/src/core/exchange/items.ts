/**
 * Cairn's one form of intelligence in bulk (issue 10). Every import format (the v2 batch API's V1
 * and V2 bodies, STIX 2.1 bundles, MISP events, CSV files, TAXII POSTs) is parsed into these items;
 * the import job stores them in chunks and `applyItems` (core/exchange/apply.ts) writes them. So
 * the write rules (value normalisation, write types, merge modes, limits, per-item errors) exist
 * once, and a format adds only a parser and, for export, a renderer.
 *
 * Items are plain JSON (they are stored in `import_job_chunks.items`): no class, no Date, no Map.
 */

/** An attribute on an indicator or group: its type by name (`Description`, `Source`, …). */
export interface ItemAttribute {
  type: string;
  value: string;
  displayed?: boolean;
  source?: string;
  /** Security labels on the attribute itself, by name (the v2 batch API's `attribute[].securityLabel`). */
  securityLabels?: string[];
}

/** What indicators and groups alike carry: their metadata, links to groups, and their source's times. */
export interface ItemMetadata {
  attributes?: ItemAttribute[];
  tags?: string[];
  securityLabels?: string[];
  /** Groups of the same upload (or already stored in the owner) by xid, to associate with. */
  associatedGroups?: string[];
  /** When the item was created and last changed at its source (STIX `created`/`modified`): kept as date_added / last_modified, so an export re-imported elsewhere exports the same. */
  created?: string;
  modified?: string;
}

/**
 * An indicator. `type` is a Cairn indicator type name (`Address`, `Host`, `File`, `URL`,
 * `EmailAddress`, `ASN`, `CIDR`, `Mutex`, `Registry Key`, `User Agent`, …; core/intel/indicator-types.ts);
 * `summary` is its value as a client writes it (a File: `md5 : sha1 : sha256` with any of them
 * absent; a Registry Key: `key : value name : value type`), normalised by the type's rules on apply.
 */
export interface IndicatorItem extends ItemMetadata {
  kind: 'indicator';
  type: string;
  summary: string;
  rating?: number;
  confidence?: number;
  active?: boolean;
  dnsActive?: boolean;
  whoisActive?: boolean;
  size?: number;
  firstSeen?: string;
  lastSeen?: string;
  /** A File's occurrences (v2 batch `fileOccurrence`). */
  fileOccurrences?: { fileName?: string; path?: string; date?: string }[];
}

/**
 * A group. `type` is a Cairn group type name (`Adversary`, `Campaign`, `Incident`, `Intrusion Set`,
 * `Malware`, `Report`, `Signature`, `Threat`, `Vulnerability`, `Attack Pattern`, `Course of Action`,
 * `Tactic`, `Tool`, …; core/intel/group-types.ts). `xid` identifies it across imports: a group with
 * the xid of one the owner has is an update of it. `fields` are the type's fields by v3 key
 * (`eventDate`, `status`, `firstSeen`, `fileName`, `fileType`, `fileText`, `subject`, …).
 */
export interface GroupItem extends ItemMetadata {
  kind: 'group';
  type: string;
  name: string;
  xid?: string;
  fields?: Record<string, string | number | boolean>;
}

/** One end of an association: a group by xid or id, or an indicator by type and value (or id). */
export type ItemRef =
  | { group: { xid: string } }
  | { group: { id: number } }
  | { indicator: { type: string; summary: string } }
  | { indicator: { id: number } };

/**
 * An association between two items of the upload or the owner's stored ones. Indicator ↔ group
 * and group ↔ group need no type; indicator ↔ indicator names one of the association types
 * (`ASN to Address`, …) in `associationType`.
 */
export interface AssociationItem {
  kind: 'association';
  from: ItemRef;
  to: ItemRef;
  associationType?: string;
}

export type ImportItem = IndicatorItem | GroupItem | AssociationItem;

/** How a write treats what the item's target already has (the v2 batch API's job settings). */
export type WriteType = 'Append' | 'Replace';
export type AttributeWriteType = 'Append' | 'Replace' | 'Singleton' | 'Static';

export interface ImportSettings {
  /** Create (or update) the items, or Delete them. */
  action: 'Create' | 'Delete';
  /** Stop at the first failed item; the items after it are left unprocessed. */
  haltOnError: boolean;
  attributeWriteType: AttributeWriteType;
  tagWriteType: WriteType;
  securityLabelWriteType: WriteType;
  /** Distribute: a File naming hashes held by several files keeps them apart; Merge: merges them. */
  fileMergeMode: 'Distribute' | 'Merge';
  /** What to do when an incoming File's hash is another file's: keep the stored (FavorExisting), take the incoming (FavorIncoming), or skip the item (IgnoreIncoming) / ignore existing. */
  hashCollisionMode: 'Split' | 'IgnoreIncoming' | 'IgnoreExisting' | 'FavorIncoming' | 'FavorExisting';
}

export const DEFAULT_SETTINGS: ImportSettings = {
  action: 'Create',
  haltOnError: false,
  attributeWriteType: 'Replace',
  tagWriteType: 'Replace',
  securityLabelWriteType: 'Replace',
  fileMergeMode: 'Distribute',
  hashCollisionMode: 'Split',
};

/**
 * The ThreatConnect batch error codes (tcex's `error_codes`), which `/v2/batch/{id}/results`
 * reports and every other format's errors use too.
 */
export const ITEM_ERROR_CODES = {
  general: '0x1001',
  permission: '0x1002',
  jsonSyntax: '0x1003',
  internal: '0x1004',
  invalidIndicator: '0x1005',
  invalidGroup: '0x1006',
  notFound: '0x1007',
  indicatorLimit: '0x1008',
  association: '0x1009',
  duplicate: '0x100A',
  fileIo: '0x100B',
  indicatorPartialLoss: '0x2001',
  groupPartialLoss: '0x2002',
  fileHashMerge: '0x2003',
} as const;
export type ItemErrorCode = (typeof ITEM_ERROR_CODES)[keyof typeof ITEM_ERROR_CODES];

/** One item that failed (Error: nothing of it written) or was written in part (Warning). */
export interface ItemProblem {
  /** The item's index in the whole upload (0-based). */
  index: number;
  kind: 'indicator' | 'group' | 'association' | 'file';
  code: ItemErrorCode;
  severity: 'Error' | 'Warning';
  /** What is wrong, for a person: `Host "bad host" is not a valid host name.` */
  reason: string;
  /** The item as uploaded (its start, at most 500 characters): the v2 `errorSource`. */
  source: string;
}

/** What applying a run of items did. */
export interface ApplyOutcome {
  created: number;
  updated: number;
  /** Items deleted (action Delete). */
  deleted: number;
  failed: number;
  problems: ItemProblem[];
  /** Set when haltOnError stopped at a failed item: the items from `haltedAt` on were not applied. */
  haltedAt?: number;
}
