/** What every engine concern works with: the database, the resources served and the dialect's traits. */
import type { Kysely } from 'kysely';
import type { ResourceRegistry } from '../registry.js';
import type { QueryShapes } from '../../store/query-shapes.js';

export type Row = Record<string, unknown>;

export interface EngineContext {
  db: Kysely<any>;
  registry: ResourceRegistry;
  /** SQLite's LIKE ignores ASCII case by itself: TQL then needs no lower() for ASCII patterns. */
  likeIgnoresAsciiCase: boolean;
  /** PostgreSQL's LIKE escapes with a backslash by default; TQL's LIKE has no escape character. */
  backslashEscapesLike: boolean;
  /** Statements compiled once per shape, for this database's dialect. */
  shapes: QueryShapes;
  /** The server's public base URL for links in answers (webLink), '' when none is configured. */
  publicUrl?: string;
}
