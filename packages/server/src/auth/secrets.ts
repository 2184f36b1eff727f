/**
 * Secrets at rest: AES-256-GCM under the master key. An HMAC secret must be readable to verify a
 * signature, so it cannot be hashed; a database dump alone reveals nothing. Each ciphertext is
 * bound to its row and purpose through the GCM additional data, so an encrypted value copied
 * into another row does not decrypt there.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const FORMAT = 'v1';

export class SecretBox {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('The master key must be 32 bytes.');
    this.#key = Buffer.from(masterKey);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(stored: string, context: string): string {
    const [format, payload] = stored.split(':', 2);
    if (format !== FORMAT || !payload) throw new Error('Unknown secret format.');
    const raw = Buffer.from(payload, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** A key for a purpose (token signing, …) derived from the master key, never the master key itself. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(crypto.hkdfSync('sha256', this.#key, Buffer.alloc(0), `cairn:${purpose}`, 32));
  }
}

/**
 * The master key: `CAIRN_MASTER_KEY` when set; otherwise `<dataDir>/master.key`, generated with
 * mode 0600 on first use (the embedded, single-machine default).
 */
export function loadMasterKey(configured: Buffer | undefined, dataDir: string): { key: Buffer; generatedAt?: string } {
  if (configured) return { key: configured };
  const file = path.join(dataDir, 'master.key');
  const read = () => {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
    return key;
  };
  if (fs.existsSync(file)) return { key: read() };
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

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniformly random characters from `alphabet` (rejection sampling, no modulo bias). */
export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A TC-style access id: 20 digits, first one non-zero. */
export function newAccessId(): string {
  return randomString(1, '123456789') + randomString(19, '0123456789');
}

/** 40 alphanumerics (~238 bits): valid as a TC secret, a Websupport secret and a Contrast service key. */
export function newSecret(): string {
  return randomString(40);
}

export function newOrganizationApiKey(): string {
  return randomString(32);
}

export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, 32);
  return `scrypt:${salt.toString('base64')}:${hash.toString('base64')}`;
}

/**
 * Compares two strings in constant time for a given length. Lengths are not secret here (a
 * signature's length is fixed by its algorithm); unequal lengths are compared through digests
 * so that the time still does not depend on where the strings differ.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length === bb.length) return crypto.timingSafeEqual(ba, bb);
  crypto.timingSafeEqual(crypto.createHash('sha256').update(ba).digest(), crypto.createHash('sha256').update(bb).digest());
  return false;
}
