import crypto from 'node:crypto';

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
