/**
 * What one field kind owns: how a body value is validated and converted to its column value,
 * how a stored row renders it, the TQL type its column implies, and its JSON schema. The engine,
 * defineResource and the route schemas read kinds only through this interface (kinds/index.ts).
 */
import type { Kysely } from 'kysely';
import type { Principal } from '../../core/principal.js';
import type { FieldDefinition, TqlType, UserRef } from '../types.js';

/** A JSON-schema fragment (what TypeBox produces): for the OpenAPI documents. */
export type JsonSchema = Record<string, unknown>;

/** The column value, or why the body value cannot be one (a field problem's message). */
export type Converted = { value: unknown } | { problem: string };

export interface ConvertContext {
  db: Kysely<any>;
  principal: Principal;
}

/** What rendering may look up: users of the page (one query) and the caller's owners (cached). */
export interface RenderLookups {
  user(id: unknown): UserRef | undefined;
  ownerName(id: unknown): string;
  /** The server's public base URL (CAIRN_PUBLIC_URL, no trailing slash), '' when none is configured. */
  publicUrl: string;
}

export interface FieldKindHandler {
  /**
   * How a body value reaches the row: `column` through convert(); `parent` resolved as a parent
   * reference; `collection` written as nested items; `computed` handed to the declaration's hooks.
   */
  write: 'column' | 'parent' | 'collection' | 'computed';
  /**
   * Why a body's null cannot clear a field of this kind, when its column always holds a value (a
   * flag is true or false): refused with this message rather than left to the NOT NULL column.
   */
  refusesNull?: string;
  /** The TQL type of a keyword on this field's column, unless the field sets tqlType. */
  tqlType?: TqlType;
  /** The column holds a user id, looked up with the page's users. */
  namesUser?: boolean;
  /** A non-null body value → the column value; absent: the field cannot be set. */
  convert?(def: FieldDefinition, value: unknown, ctx: ConvertContext): Converted | Promise<Converted>;
  /** The stored row → the API value (undefined or null: left out of the item). */
  render(def: FieldDefinition, row: Record<string, unknown>, lookups: RenderLookups): unknown;
  /** The value as the API accepts and shows it. */
  schemaOf(def: FieldDefinition): JsonSchema;
}

/** The column's value in a row, or undefined for SQL NULL. */
export function storedValue(def: FieldDefinition, row: Record<string, unknown>): unknown {
  const raw = def.column ? row[def.column] : undefined;
  return raw === null ? undefined : raw;
}

/** A schema with the field's description. */
export function described(def: FieldDefinition, schema: JsonSchema): JsonSchema {
  return { ...schema, description: def.description, ...(def.readOnly ? { readOnly: true } : {}), ...(def.writeOnly ? { writeOnly: true } : {}) };
}

/** Ids are INTEGER columns (int4 on PostgreSQL); a larger number names no row and must never reach SQL. */
export const MAX_ID = 2_147_483_647;

/** An integer or a digit string (what a body may carry as an id). */
export function isIdLike(value: unknown): boolean {
  return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^\d{1,15}$/.test(value));
}

/** The id `value` names, or undefined when it cannot name a stored row (not an id, negative, beyond int4). */
export function asId(value: unknown): number | undefined {
  if (!isIdLike(value)) return undefined;
  const id = Number(value);
  return id >= 0 && id <= MAX_ID ? id : undefined;
}

/**
 * A whole number as the API accepts it: a JSON integer or a digit string (TC clients send both).
 * Kinds write alternatives as a list of types, never anyOf: ajv's type coercion (Fastify's default)
 * leaves a value that has one of the listed types as it is, but rewrites it inside anyOf branches.
 */
export const WHOLE_NUMBER: JsonSchema = { type: ['integer', 'string'], pattern: '^-?\\d{1,15}$' };
