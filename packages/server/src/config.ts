/**
 * One validated configuration object, from the environment and CLI flags (flags win).
 * Every value has a documented default; a bad value stops start-up with a message naming it.
 */
import path from 'node:path';

export interface CairnConfig {
  host: string;
  port: number;
  /** Directory for the SQLite database, the generated master key and bootstrap credentials. */
  dataDir: string;
  /** `postgres://…` to use PostgreSQL instead of the embedded SQLite database. */
  databaseUrl: string | undefined;
  /** 32-byte key for secrets at rest; undefined means "generate/read `<dataDir>/master.key`". */
  masterKey: Buffer | undefined;
  /** Absolute URL clients reach Cairn at (used for absolute links); optional. */
  publicUrl: string | undefined;
  /** Accepted difference between a request's Timestamp/Date and the server clock. */
  clockSkewSeconds: number;
  /** Lifetime of TC-Token tokens. */
  tokenTtlSeconds: number;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Largest file a Document or Report group may hold (uploads are streamed, never held whole). */
  documentMaxBytes: number;
  /** Largest TAXII 2.1 POST (the API root's max_content_length). */
  taxiiMaxContentLength: number;
  /** The v2 batch API (issue 10): largest upload (streamed: it bounds disk and work, not memory), its message, and indicators per job. */
  batch: { maxUploadBytes: number; uploadLimitMessage: string; maxIndicators: number; uploadHoldSeconds: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Import worker (jobs/import.ts): how often it looks for queued jobs, and how long its claim of a job lasts unless renewed. */
  importPollMs: number;
  importLeaseMs: number;
}

export class ConfigError extends Error {}

type Source = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number between ${min} and ${max}; got "${raw}".`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}; got ${value}.`);
  return value;
}

function masterKeyFrom(raw: string | undefined): Buffer | undefined {
  if (!raw) return undefined;
  const trimmed = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('CAIRN_MASTER_KEY must be 32 bytes, as 64 hex digits or base64 (e.g. `openssl rand -base64 32`).');
  }
  return key;
}

/** Overrides from CLI flags use the same names as the environment variables. */
export function loadConfig(env: Source = process.env, overrides: Source = {}): CairnConfig {
  const get = (name: string) => overrides[name] ?? env[name];
  const databaseUrl = get('DATABASE_URL') || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite database); got "${databaseUrl.replace(/\/\/[^@]*@/, '//…@')}".`);
  }
  const publicUrl = get('CAIRN_PUBLIC_URL') || undefined;
  if (publicUrl && !/^https?:\/\/[^\s]+$/.test(publicUrl)) throw new ConfigError(`CAIRN_PUBLIC_URL must be an http(s) URL; got "${publicUrl}".`);
  const logLevel = (get('CAIRN_LOG_LEVEL') || 'info') as CairnConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`CAIRN_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}".`);
  return {
    host: get('CAIRN_HOST') || '127.0.0.1',
    port: integer('CAIRN_PORT', get('CAIRN_PORT'), 8080, 0, 65535),
    dataDir: path.resolve(get('CAIRN_DATA_DIR') || 'data'),
    databaseUrl,
    masterKey: masterKeyFrom(get('CAIRN_MASTER_KEY')),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    clockSkewSeconds: integer('CAIRN_CLOCK_SKEW_SECONDS', get('CAIRN_CLOCK_SKEW_SECONDS'), 300, 1, 86400),
    tokenTtlSeconds: integer('CAIRN_TOKEN_TTL_SECONDS', get('CAIRN_TOKEN_TTL_SECONDS'), 900, 60, 86400),
    bodyLimitBytes: integer('CAIRN_BODY_LIMIT_BYTES', get('CAIRN_BODY_LIMIT_BYTES'), 2_000_000, 1024, 100_000_000),
    documentMaxBytes: integer('CAIRN_DOCUMENT_MAX_BYTES', get('CAIRN_DOCUMENT_MAX_BYTES'), 50 * 1024 * 1024, 1, 2_147_483_647),
    taxiiMaxContentLength: integer('CAIRN_TAXII_MAX_CONTENT_LENGTH', get('CAIRN_TAXII_MAX_CONTENT_LENGTH'), 10 * 1024 * 1024, 1024, 1_073_741_824),
    batch: {
      // tcex cuts its uploads at 75,000,000 bytes (batch.py `_batch_max_size`); ThreatConnect's documented example limit is 2,000,000.
      maxUploadBytes: integer('CAIRN_BATCH_MAX_UPLOAD_BYTES', get('CAIRN_BATCH_MAX_UPLOAD_BYTES'), 100_000_000, 1024, 2_147_483_647),
      uploadLimitMessage: get('CAIRN_BATCH_UPLOAD_LIMIT_MESSAGE') || 'File size greater than allowable limit of {limit}',
      maxIndicators: integer('CAIRN_BATCH_MAX_INDICATORS', get('CAIRN_BATCH_MAX_INDICATORS'), 25_000, 1, 100_000_000),
      // How long an upload cut off (a dead node, a dropped client) keeps its job from a new upload.
      uploadHoldSeconds: integer('CAIRN_BATCH_UPLOAD_HOLD_SECONDS', get('CAIRN_BATCH_UPLOAD_HOLD_SECONDS'), 120, 1, 86_400),
    },
    logLevel,
    importPollMs: integer('CAIRN_IMPORT_POLL_MS', get('CAIRN_IMPORT_POLL_MS'), 1000, 10, 600_000),
    importLeaseMs: integer('CAIRN_IMPORT_LEASE_MS', get('CAIRN_IMPORT_LEASE_MS'), 60_000, 1000, 3_600_000),
  };
}
