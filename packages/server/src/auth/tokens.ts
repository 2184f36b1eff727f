/**
 * `TC-Token` tokens: short-lived bearer tokens an API user obtains with a signed
 * `POST /api/v3/security/tokens`. Stateless: `<payload>.<mac>` where the payload names the user,
 * the expiry and a fingerprint of the user's current secret, so rotating the secret or disabling
 * the user revokes every token issued before.
 */
import crypto from 'node:crypto';

export interface TokenClaims { userId: number; expiresAt: number; fingerprint: string }

export class TokenService {
  constructor(private readonly key: Buffer) {}

  fingerprint(secret: string): string {
    return crypto.createHmac('sha256', this.key).update(`fingerprint:${secret}`).digest('base64url').slice(0, 22);
  }

  issue(userId: number, secret: string, expiresAt: number): string {
    const payload = Buffer.from(JSON.stringify({ u: userId, e: expiresAt, f: this.fingerprint(secret) })).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }

  /** The claims of a well-formed, authentic token (expiry not checked here); null otherwise. */
  read(token: string): TokenClaims | null {
    if (token.length > 512) return null;
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return null;
    const expected = Buffer.from(this.#mac(match[1]!));
    const given = Buffer.from(match[2]!);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
    try {
      const claims = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as { u: unknown; e: unknown; f: unknown };
      if (typeof claims.u !== 'number' || typeof claims.e !== 'number' || typeof claims.f !== 'string') return null;
      return { userId: claims.u, expiresAt: claims.e, fingerprint: claims.f };
    } catch {
      return null;
    }
  }

  #mac(payload: string): string {
    return crypto.createHmac('sha256', this.key).update(`token:${payload}`).digest('base64url');
  }
}
