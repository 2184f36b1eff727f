/**
 * Every field kind, one module each. A new kind is a new file here and one line in KINDS;
 * FieldKind is derived from this table.
 */
import { assigneeKind } from './assignee.js';
import { booleanKind } from './boolean.js';
import { collectionKind } from './collection.js';
import { computedKind } from './computed.js';
import { dateKind } from './date.js';
import { decimalKind } from './decimal.js';
import { enumKind } from './enum.js';
import { integerKind } from './integer.js';
import type { FieldKindHandler } from './kind.js';
import { ownerIdKind } from './owner-id.js';
import { ownerKind } from './owner.js';
import { parentKind } from './parent.js';
import { stringKind } from './string.js';
import { userKind } from './user.js';

export const KINDS = {
  integer: integerKind,
  decimal: decimalKind,
  string: stringKind,
  date: dateKind,
  boolean: booleanKind,
  enum: enumKind,
  user: userKind,
  assignee: assigneeKind,
  owner: ownerKind,
  ownerId: ownerIdKind,
  parent: parentKind,
  collection: collectionKind,
  computed: computedKind,
} as const satisfies Record<string, FieldKindHandler>;

/** How the engine reads and writes a field. */
export type FieldKind = keyof typeof KINDS;

export function kindOf(kind: FieldKind): FieldKindHandler {
  return KINDS[kind];
}

export type { ConvertContext, Converted, FieldKindHandler, JsonSchema, RenderLookups } from './kind.js';
export { asId, isIdLike, MAX_ID } from './kind.js';
