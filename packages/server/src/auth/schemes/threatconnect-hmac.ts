/**
 * ThreatConnect HMAC: `Authorization: TC <access id>:<base64 HMAC-SHA256>` and `Timestamp`, over
 * `<raw target>:<METHOD>:<Timestamp>` (the canonical string of @cairn/client).
 *
 * The hot path of the whole server: a cached credential is verified synchronously, with no promise
 * and no closure per request, and a signature verified once is taken again without the HMAC.
 */
import crypto from 'node:crypto';
import { parseThreatConnectAuthorization, threatConnectCanonical } from '@cairn/client/signing';
import { LRUCache } from 'lru-cache';
import { AuthError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { constantTimeEqual } from '../constant-time.js';
import type { Credential } from '../credential-store.js';
import { DECOY_SECRET, header, type AuthenticationScheme, type CacheStats, type RequestFacts, type SchemeContext } from '../scheme.js';

/** Bound on remembered verified signatures (each entry is useful for one clock window at most). */
export const MAX_VERIFIED_SIGNATURES = 10_000;

const RECOGNISED = /^TC\s/;

interface VerifiedSignature {
  method: string;
  rawUrl: string;
  timestampHeader: string;
  timestamp: number;
  accessId: string;
  signature: string;
  credential: Credential;
}

export class ThreatConnectHmacScheme implements AuthenticationScheme {
  readonly name = 'threatconnect-hmac';
  /**
   * Verified signatures by Authorization header (the signature makes it unique per request line
   * and Timestamp), with what they were verified for. Clients repeat identical signed requests
   * within a second; a hit skips parsing and the HMAC but still checks that the method, target and
   * Timestamp are the ones signed, the clock window, that the credential is the store's current
   * one (a rotated or disabled credential is a new object) and the replay guard. Least recently
   * used entries go first, so a flood of distinct signatures does not flush every client's.
   */
  readonly #verified = new LRUCache<string, VerifiedSignature>({ max: MAX_VERIFIED_SIGNATURES });
  #hits = 0;

  constructor(private readonly context: SchemeContext) {}

  recognises(authorization: string): boolean {
    return RECOGNISED.test(authorization);
  }

  authenticate(authorization: string, request: RequestFacts): Principal | Promise<Principal> {
    const verified = this.#verified.get(authorization);
    if (verified !== undefined) {
      const admitted = this.#reuseVerified(request, verified);
      if (admitted !== undefined) return admitted;
    }
    const parsed = parseThreatConnectAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be "TC <access id>:<base64 signature>".');
    const timestampHeader = header(request.headers, 'timestamp')?.trim();
    if (timestampHeader === undefined) throw new AuthError('missing-timestamp', 'The Timestamp header is missing.');
    if (!/^\d{1,12}$/.test(timestampHeader)) throw new AuthError('invalid-timestamp', 'The Timestamp header must be Unix time in whole seconds.');
    const timestamp = Number(timestampHeader);
    this.#checkClockWindow(timestamp);
    const cached = this.context.credentials.peek(parsed.accessId);
    if (cached !== undefined) return this.#verify(request, authorization, parsed, timestampHeader, timestamp, cached);
    return this.context.credentials.byUserName(parsed.accessId)
      .then((credential) => this.#verify(request, authorization, parsed, timestampHeader, timestamp, credential));
  }

  cacheStats(): CacheStats {
    return { entries: this.#verified.size, hits: this.#hits };
  }

  #checkClockWindow(timestamp: number): void {
    const skew = timestamp - this.context.now();
    const limit = this.context.clockSkewSeconds;
    if (Math.abs(skew) > limit) throw new AuthError('timestamp-out-of-range', `The Timestamp is ${Math.abs(skew)} s away from the server clock; the limit is ${limit} s.`, { skew });
  }

  /**
   * A remembered verification, when it is for this very request (method, target, Timestamp) and
   * its credential is still the store's current one; undefined sends the request down the full path.
   */
  #reuseVerified(request: RequestFacts, verified: VerifiedSignature): Principal | undefined {
    if (verified.method !== request.method || verified.rawUrl !== request.rawUrl) return undefined;
    const timestampHeader = header(request.headers, 'timestamp');
    if (timestampHeader === undefined || timestampHeader.trim() !== verified.timestampHeader) return undefined;
    if (this.context.credentials.peek(verified.accessId) !== verified.credential) return undefined;
    this.#checkClockWindow(verified.timestamp);
    this.#hits++;
    return this.context.admit(verified.credential, 'threatconnect-hmac', verified.signature, verified.timestamp);
  }

  /** A method rather than a closure: the hot path creates no function per request. */
  #verify(request: RequestFacts, authorization: string, parsed: { accessId: string; signature: string }, timestampHeader: string, timestamp: number, credential: Credential | null | undefined): Principal {
    const canonical = threatConnectCanonical({ pathAndQuery: request.rawUrl, method: request.method, timestamp: timestampHeader });
    const expected = crypto.createHmac('sha256', credential?.secret ?? DECOY_SECRET).update(canonical).digest('base64');
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown access id.');
    if (!constantTimeEqual(expected, parsed.signature)) throw new AuthError('bad-signature', 'The signature does not match the request.');
    this.#verified.set(authorization, { method: request.method, rawUrl: request.rawUrl, timestampHeader, timestamp, accessId: parsed.accessId, signature: parsed.signature, credential });
    return this.context.admit(credential, 'threatconnect-hmac', parsed.signature, timestamp);
  }
}

export const threatConnectHmac = (context: SchemeContext) => new ThreatConnectHmacScheme(context);
