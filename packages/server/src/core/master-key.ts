/**
 * The master key for secrets at rest, and the check that every node on one database uses the same.
 *
 * The key is `CAIRN_MASTER_KEY` when set; otherwise `<dataDir>/master.key`, generated with mode
 * 0600 on first use (the embedded, single-machine default). The database keeps a verifier of the
 * key (an HMAC of a constant under a key derived from it, never the key itself), written by the
 * first node to start; a node whose key does not reproduce it must not start, since none of the
 * stored secrets would decrypt.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { nowIso } from '../store/database.js';
import type { Database } from '../store/schema.js';
import type { SecretBox } from './secrets.js';
import { apiKeyContext, secretContext } from './tenancy/tenancy-service.js';

export const MASTER_KEY_FILE = 'master.key';

export interface MasterKey {
  key: Buffer;
  /** The key file this call generated (so that it can be logged, or removed if it turns out unusable). */
  generatedAt?: string;
}

/**
 * The configured key, else the one in `<dataDir>/master.key`; when that file does not exist it is
 * generated only if `mayGenerate`, and undefined is returned otherwise.
 */
export function loadMasterKey(configured: Buffer | undefined, dataDir: string, options: { mayGenerate: boolean } = { mayGenerate: true }): MasterKey | undefined {
  if (configured) return { key: configured };
  const file = path.join(dataDir, MASTER_KEY_FILE);
  const read = () => {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
    return key;
  };
  if (fs.existsSync(file)) return { key: read() };
  if (!options.mayGenerate) return undefined;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  // Written aside, then linked into place: two processes starting at once agree on one key.
  const pending = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(pending, key.toString('base64') + '\n', { mode: 0o600 });
  try {
    fs.linkSync(pending, file);
    return { key, generatedAt: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: read() };
  } finally {
    fs.rmSync(pending, { force: true });
  }
}

const VERIFIER_FORMAT = 'hmac-sha256-v1';
const CHECK_ROW_ID = 1;

/** What the database says about a key: it matches, it was recorded just now, or it is not the database's key. */
export type MasterKeyVerdict = 'matches' | 'recorded' | 'mismatch';

function verifierOf(secrets: SecretBox): string {
  const mac = crypto.createHmac('sha256', secrets.deriveKey('master-key-check')).update('cairn master key check').digest('base64');
  return `${VERIFIER_FORMAT}:${mac}`;
}

function sameVerifier(stored: string, computed: string): boolean {
  const a = crypto.createHash('sha256').update(stored).digest();
  const b = crypto.createHash('sha256').update(computed).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The stored verifier, or undefined when no node has recorded one yet. */
export async function readMasterKeyVerifier(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db.selectFrom('master_key_check').select('verifier').where('id', '=', CHECK_ROW_ID).executeTakeFirst();
  return row?.verifier;
}

/**
 * Compares the key with the database's verifier; when there is none yet, first makes sure the
 * secrets already stored (a database from before the check existed) decrypt under this key, then
 * records it. Two nodes recording at once: the first insert wins and the other compares with it.
 */
export async function confirmMasterKey(db: Kysely<Database>, secrets: SecretBox, stored?: string): Promise<MasterKeyVerdict> {
  const verifier = verifierOf(secrets);
  const known = stored ?? await readMasterKeyVerifier(db);
  if (known !== undefined) return sameVerifier(known, verifier) ? 'matches' : 'mismatch';
  if (!(await decryptsStoredSecrets(db, secrets))) return 'mismatch';
  await db.insertInto('master_key_check').values({ id: CHECK_ROW_ID, verifier, created_at: nowIso() })
    .onConflict((oc) => oc.column('id').doNothing()).execute();
  const winner = await readMasterKeyVerifier(db);
  if (winner === undefined || !sameVerifier(winner, verifier)) return 'mismatch';
  return 'recorded';
}

/** True when the database holds no secret yet, or its first secret decrypts under this key. */
async function decryptsStoredSecrets(db: Kysely<Database>, secrets: SecretBox): Promise<boolean> {
  try {
    const user = await db.selectFrom('users').select(['uuid', 'secret_enc']).orderBy('id').limit(1).executeTakeFirst();
    if (user) {
      secrets.decrypt(user.secret_enc, secretContext(user.uuid));
      return true;
    }
    const owner = await db.selectFrom('owners').select(['uuid', 'api_key_enc']).where('api_key_enc', 'is not', null).orderBy('id').limit(1).executeTakeFirst();
    if (owner?.api_key_enc) secrets.decrypt(owner.api_key_enc, apiKeyContext(owner.uuid));
    return true;
  } catch (error) {
    if (error instanceof Error && /unsupported state|unable to authenticate|Unknown secret format/i.test(error.message)) return false;
    throw error;
  }
}
