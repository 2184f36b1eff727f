/**
 * A v3 resource is declared once (DESIGN.md principle 2): its fields with types and flags, TQL
 * keywords with their SQL columns, sortable keys, parents, nested collections and sub-queries.
 * The v3 router, OPTIONS descriptors, TQL compilation, validation and output all read this
 * object. Column and table names come only from declarations, never from a request.
 */
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { Principal } from '../core/principal.js';
import type { DomainEvent } from '../core/outbox.js';
import type { FieldKind, RenderLookups } from './kinds/index.js';

export type { FieldKind };

export type TqlType = 'Integer' | 'BigInteger' | 'String' | 'StringLower' | 'Date' | 'Enum' | 'Boolean';

export interface FieldDefinition {
  /** The OPTIONS `type` (String, Integer, Date, Boolean, User, Assignee, Tags, Tasks, …). */
  type: string;
  kind: FieldKind;
  description: string;
  /** Column on the resource's table backing this field. */
  column?: string;
  required?: boolean;
  readOnly?: boolean;
  /** Settable on POST only (OPTIONS `updatable: false`). */
  createOnly?: boolean;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
  allowableValues?: readonly string[];
  /** Part of every answer; otherwise only with `fields=<name>`. */
  includedByDefault?: boolean;
  /** Accepted in bodies, never shown in answers (parent references such as caseXid). */
  writeOnly?: boolean;
  defaultValue?: string | number | boolean;
  /**
   * What a computed field reads of the row besides its own `column`: columns of the table and the
   * resource's `extraColumns`. A list of exact fields (v2) selects only what its fields read; a
   * computed field that does not say is given the whole row.
   */
  reads?: readonly string[];
  /** Value of a `computed` field (`lookups`: what rendering may look up, such as the public URL for links). */
  compute?: (row: Record<string, unknown>, lookups: RenderLookups) => unknown;
  /**
   * TQL filters on this field's column: under the field's own name (`true`) or another keyword
   * (a user field `createdBy` is searched as `createdById`). The keyword's type follows the field's
   * kind unless `tqlType` says otherwise; its description is the field's unless `tqlDescription` is set.
   */
  tql?: true | string;
  tqlType?: TqlType;
  tqlDescription?: string;
  /** `sorting=<field name>` orders by this field's column. */
  sortable?: boolean;
  /**
   * The field belongs to some kinds of item only (a group's per-type fields): those whose `column`
   * holds one of `values`. Shown only on them; OPTIONS says `appliesTo` (and `conditionalRequired`).
   * Refusing it on other items is the declaration's rule (its hooks), not the engine's.
   */
  appliesTo?: { column: string; values: readonly string[]; requiredFor?: readonly string[] };
}

/** SQL for a value computed from the row aliased `alias` (names from declarations only). */
export type RowExpression = (alias: string) => RawBuilder<unknown>;

export interface TqlKeyword {
  keyword: string;
  name: string;
  type: TqlType;
  description: string;
  /**
   * What the keyword compares, exactly one of: a column on the resource's table; a scalar
   * `expression` over the row (a user's name, the owner's name); or `anyOf`, a value of which the
   * row has many (a case's tag names): the condition that some of them passes `test`.
   */
  column?: string;
  expression?: RowExpression;
  anyOf?: (alias: string, test: (value: RawBuilder<unknown>) => RawBuilder<SqlBool>, ownerIds: readonly number[]) => RawBuilder<SqlBool>;
  allowableValues?: readonly string[];
}

export interface NestedQuery {
  keyword: string;
  name: string;
  description: string;
  /** Resource the sub-query runs on. */
  target: string;
  /** inner.innerColumn = outer.outerColumn, or through a join table (`via`). */
  link: { outerColumn: string; innerColumn: string; via?: { table: string; outerColumn: string; innerColumn: string; bothWays?: boolean } };
  /** Matches when every row of `target` (in the row's owner) that the inner query matches is linked, and one is (hasAllTags). */
  every?: boolean;
}

/**
 * A sub-query a ThreatConnect client may send for an association Cairn does not store (hasGroup,
 * hasIndicator): refused with `reason`, rather than silently matching nothing.
 */
export interface UnsupportedQuery { keyword: string; reason: string }

/** A parent an item hangs under (a task's case): named in bodies by id or xid. */
export interface ParentReference {
  /** Body field with the parent's id (`caseId`); `xidField` names it by xid (`caseXid`). */
  idField: string;
  xidField?: string;
  resource: string;
  column: string;
  /** Columns copied from the parent row (`case_id` of a task onto its note). */
  inherit?: Record<string, string>;
}

/** What every collection declares; its field entry (OPTIONS, `fields=`) is derived from it. */
interface CollectionBase {
  /** OPTIONS type of the field (default: itemType + "s"). */
  type?: string;
  /** Shown with `fields=`, never written through this side (a tag's cases). */
  readOnly?: boolean;
  /**
   * TQL keywords on a column of the collection's items, true for a row when any of its items
   * matches (an indicator's `tag`: the name of any of its tags). Made into `anyOf` keywords by
   * defineResource.
   */
  keywords?: readonly CollectionKeyword[];
}

/** A TQL keyword over a column of a collection's items (names from declarations only). */
export interface CollectionKeyword {
  keyword: string;
  type: TqlType;
  /** Column of the target resource's table compared. */
  column: string;
  description: string;
}

export interface ChildCollection extends CollectionBase {
  kind: 'children';
  target: string;
  /** Which of the child's parents this collection is (its ParentReference idField). */
  parentField: string;
  itemType: string;
  description: string;
  /**
   * The children's hooks write the parent's row (an indicator's attributes set its description):
   * a create that writes them answers with the parent read again, not the row it inserted.
   */
  changesParent?: boolean;
}

export interface LinkedCollection extends CollectionBase {
  kind: 'linked';
  target: string;
  table: string;
  /** Join-table column holding the parent id, and the one holding the linked item's id. */
  parentColumn: string;
  targetColumn: string;
  itemType: string;
  description: string;
  /**
   * Items may name the target instead of giving its id (a tag by name): the body keys read, in
   * order; the target column matched; how a name becomes that column's value; the longest name
   * taken. A name not found is created (except with mode delete) under the first key.
   */
  byName?: {
    keys: readonly string[]; column: string; normalize(name: string): string; maxLength: number;
    /**
     * A name not found is created (default), or refused with a 404 when false (a security label
     * must exist already). Where the target has system rows (`includeSystemRows`), those are found
     * by name and id as well as the owner's.
     */
    createMissing?: boolean;
  };
  /** Target column set to the time of linking (a tag's lastUsed). */
  touchColumn?: string;
  /**
   * An association (spec §9): the linked item may belong to any owner the caller can see, not only
   * the parent's (an organization's indicator and its community's group); a replace or delete only
   * unlinks items the caller can see.
   */
  acrossOwners?: boolean;
  /**
   * Items without an id are created through the target's own create, which finds the item when it
   * exists (an indicator named by type and value, a group by type and name); `ownerId`/`ownerName`
   * on an item choose its owner (default: the parent's).
   */
  createsTargets?: boolean;
  /** One relation stored in both directions (group ↔ group, case ↔ case): linking and unlinking write both rows; an item cannot link to itself. */
  symmetric?: boolean;
  /**
   * One relation stored once, in the order `orient` decides (indicator ↔ indicator, from its
   * association type's source to its target): reads, sub-queries and unlinking look both ways.
   * `orient` gets both stored rows and the body item, returns whether the pair is stored from the
   * target to the parent and the link row's other columns, or throws when the pair cannot be linked.
   */
  oriented?: { orient(parent: Record<string, unknown>, target: Record<string, unknown>, item: Record<string, unknown>, ctx: WriteContext): Promise<OrientedLink> | OrientedLink };
}

/** How one oriented link is stored. */
export interface OrientedLink { reversed: boolean; columns: Record<string, unknown> }

export type CollectionDefinition = ChildCollection | LinkedCollection;

export interface WriteContext {
  db: Kysely<any>;
  principal: Principal;
  ownerId: number;
  /** Stored-time string of this request. */
  now: string;
  /**
   * The events the change raises (hooks push them); the engine records them all in one insert,
   * in the change's transaction, once its rows are written (core/outbox.ts).
   */
  raised: DomainEvent[];
}

export interface ResourceDefinition {
  /** Path under /v3 (`cases`, `security/owners`). */
  name: string;
  /** OPTIONS type of one item (`Case`). */
  itemType: string;
  table: string;
  /** Column holding the owner id; null for system-wide catalogues. */
  ownerColumn: string | null;
  /** Rows with a NULL owner are visible to everyone (system security labels). */
  includeSystemRows?: boolean;
  /** Items can be addressed by `xid` as well as `id`. */
  hasXid?: boolean;
  /** Only GET and OPTIONS (catalogues). */
  readOnly?: boolean;
  /** Bulk `DELETE /v3/{type}?tql=` is offered (when v3ApiBulkDeleteAllowed is on). */
  bulkDelete?: boolean;
  fields: Record<string, FieldDefinition>;
  parents?: ParentReference[];
  /** Exactly one parent must be named on create (notes), instead of the first being required. */
  oneParentOf?: boolean;
  collections?: Record<string, CollectionDefinition>;
  /** TQL keywords: those of the fields marked `tql`, then the declaration's `extraTql` (made by defineResource). */
  tql: TqlKeyword[];
  /** The same keywords by keywordKey(): what a query names them by, in any case, with or without `_`. */
  tqlByKey: ReadonlyMap<string, TqlKeyword>;
  /** `has…()` sub-queries, one per parent and per collection (made by buildRegistry, which knows every resource). */
  nested?: NestedQuery[];
  /** The `every` sub-queries (hasAllTags), made by buildRegistry from `everyQueries`. */
  everyNested?: NestedQuery[];
  /** Sub-queries over a linked collection that match when every target row the inner query matches is linked (hasAllTags over tags). */
  everyQueries?: { keyword: string; collection: string; description: string }[];
  /** Sub-queries refused with a reason (associations Cairn does not store). */
  unsupportedNested?: UnsupportedQuery[];
  /** Sort keys, API name → column: the fields marked `sortable` (made by defineResource). */
  sortable: Record<string, string>;
  /** What `sorting` accepts, by lower-case name: the sort keys, then every TQL keyword (made by defineResource). */
  sortKeys: ReadonlyMap<string, { name: string; column: string }>;
  /** Columns holding user ids (user and assignee fields), which a page looks up in one query. */
  userColumns: readonly string[];
  /**
   * A condition lists apply unless the TQL itself names one of `unlessKeywords` outside any
   * sub-query: indicators list only active ones by default (spec §7.3), `active = false` or
   * `indicatorActive in (true, false)` lists others.
   */
  defaultListFilter?: { column: string; value: string | number; unlessKeywords: readonly string[] };
  /**
   * What its `has…()` sub-queries are called after, when not its itemType: the three attribute
   * resources (IndicatorAttribute, GroupAttribute, CaseAttribute) are all `hasAttribute()`.
   */
  subQueryName?: string;
  /**
   * Before the rows are deleted (DELETE /v3/{type}/{id}, or a parent's collection in mode delete
   * or replace), in the delete's transaction: may refuse (a security label still applied) or
   * keep a record of them (a deleted-indicators row).
   */
  onDelete?(rows: Record<string, unknown>[], ctx: WriteContext): Promise<void> | void;
  /** After the rows are deleted, in the same transaction (a parent's columns that follow them). */
  afterDelete?(rows: Record<string, unknown>[], ctx: WriteContext): Promise<void> | void;
  /** Default order when `sorting` is absent. */
  defaultSort?: { column: string; direction: 'asc' | 'desc' };
  /** Columns the server maintains on create (status rules, users, times). */
  onCreate?(values: Record<string, unknown>, ctx: WriteContext): Promise<void> | void;
  /** Columns the server maintains on update; `existing` is the stored row. */
  onUpdate?(values: Record<string, unknown>, existing: Record<string, unknown>, ctx: WriteContext): Promise<void> | void;
  /** After the row is inserted, in the same transaction (events): `values` are the stored columns. */
  afterCreate?(id: number, values: Record<string, unknown>, ctx: WriteContext): Promise<void> | void;
  /** After the row is updated, in the same transaction (events): `values` are the columns set. */
  afterUpdate?(id: number, values: Record<string, unknown>, existing: Record<string, unknown>, ctx: WriteContext): Promise<void> | void;
  /**
   * Unique keys of the table besides id. A create inserts with ON CONFLICT DO NOTHING; when a
   * key is taken, `conflict` words the 409, or a find-or-create (a tag named in a case's tags)
   * takes the existing row. No look-up-then-insert race, and no failed statement in a PostgreSQL
   * transaction.
   */
  uniqueKeys?: { columns: readonly string[]; conflict(values: Record<string, unknown>, existingId: number): string }[];
  /**
   * Finds an item by a path reference that is not an id (nor an xid): an indicator by its summary
   * or any value that addresses it. Returns the id among `ownerIds`' rows, or undefined.
   */
  findByRef?(ref: string, ownerIds: readonly number[], db: Kysely<any>): Promise<number | undefined>;
  /**
   * After a create's row is inserted, before its collections: settles what the row claims
   * (an indicator's values). Returns the id the item is: the new row's, or an existing item's
   * when the create merged into it (POST of an existing indicator updates it); the hook then has
   * updated that item and removed the new row, and afterCreate is not called.
   */
  settleCreate?(id: number, values: Record<string, unknown>, ctx: WriteContext): Promise<number>;
  /** Extra values the output reads, as scalar sub-queries over the row aliased `alias`. */
  extraColumns?: Record<string, (alias: string) => RawBuilder<unknown>>;
  /** Value for a unique field on create when the body has none (xid). */
  generated?: Record<string, () => string>;
}

export interface UserRef { id: number; userName: string; firstName: string; lastName: string; pseudonym: string; owner: string }

/**
 * What a resource file declares: everything but the TQL keywords, sort keys and sub-queries, which
 * defineResource derives from the fields' `tql` and `sortable` marks and the registry from the
 * parents and collections. `extraTql` holds keywords
 * that are not a field of their own (aliases such as a note's `summary`, or a column no field shows).
 */
export type ResourceDeclaration = Omit<ResourceDefinition, 'tql' | 'tqlByKey' | 'nested' | 'everyNested' | 'sortable' | 'sortKeys' | 'userColumns'> & { extraTql?: TqlKeyword[] };
