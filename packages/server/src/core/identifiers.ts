/** Random identifiers and credentials: access ids, secrets, organization API keys, passwords. */
import crypto from 'node:crypto';

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
