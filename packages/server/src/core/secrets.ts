/**
 * Secrets at rest. An HMAC secret must be readable to verify a signature, so it cannot be hashed:
 * it is stored AES-256-GCM encrypted under the master key, and a database dump alone reveals
 * nothing. Each ciphertext is bound to its row and purpose through the GCM additional data, so an
 * encrypted value copied into another row does not decrypt there. A password is never needed
 * back, so it is hashed (scrypt).
 */
import crypto from 'node:crypto';

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

export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, 32);
  return `scrypt:${salt.toString('base64')}:${hash.toString('base64')}`;
}
