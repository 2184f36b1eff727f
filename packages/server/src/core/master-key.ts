/**
 * The master key for secrets at rest, and the check that every node on one database uses the same.
 *
 * The key is `CAIRN_MASTER_KEY` when set; otherwise `<dataDir>/master.key`, generated with mode
 * 0600 on first use (the embedded, single-machine default).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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
