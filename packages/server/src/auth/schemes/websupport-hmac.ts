/**
 * Websupport HMAC: `Authorization: Basic base64(<api key>:<hex HMAC-SHA1>)` and `Date` (or
 * `X-Date`), over `<METHOD> <target> <unix seconds>`.
 *
 * What the target must be depends on the surface (AuthPolicy): on the Websupport surface the
 * bare path or the path and query (the live API verifies the bare path, its documentation's
 * example signs path+query), and an API user's login window applies; everywhere else only the
 * path and query exactly as sent, and no login window, so that a signature cannot be replayed
 * with a query it did not cover.
 */
import crypto from 'node:crypto';
import { parseBasicAuthorization, websupportCanonical } from '@cairn/client/signing';
import { LRUCache } from 'lru-cache';
import { AuthError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { constantTimeEqual } from '../constant-time.js';
import type { Credential } from '../credential-store.js';
import { DECOY_SECRET, header, type AuthenticationScheme, type AuthPolicy, type CacheStats, type RequestFacts, type SchemeContext } from '../scheme.js';
import { parseSignatureDate } from '../signature-date.js';

/** How long a Websupport login lasts: "logged in for next 59 seconds" (websupportsk client.py). */
export const LOGIN_WINDOW_SECONDS = 59;
export const MAX_LOGIN_WINDOWS = 10_000;

const RECOGNISED = /^Basic\s/i;

interface LoginWindow { credential: Credential; until: number }

export class WebsupportHmacScheme implements AuthenticationScheme {
  readonly name = 'websupport-hmac';
  /** Open login windows by user, signature and signed time (see #openLoginWindow); least recently used go first. */
  readonly #loginWindows = new LRUCache<string, LoginWindow>({ max: MAX_LOGIN_WINDOWS });
  #hits = 0;

  constructor(private readonly context: SchemeContext) {}

  recognises(authorization: string): boolean {
    return RECOGNISED.test(authorization);
  }

  async authenticate(authorization: string, request: RequestFacts, policy: AuthPolicy): Promise<Principal> {
    const parsed = parseBasicAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be "Basic base64(<api key>:<signature>)".');
    const dateHeader = header(request.headers, 'date') ?? header(request.headers, 'x-date');
    if (dateHeader === undefined || dateHeader.trim() === '') throw new AuthError('missing-date', 'Missing date header.');
    const date = parseSignatureDate(dateHeader, this.context.now(), this.context.clockSkewSeconds);
    if (!date.ok) {
      if (date.reason === 'invalid') throw new AuthError('invalid-date', 'The Date header is not a date.', { value: dateHeader.slice(0, 64) });
      throw new AuthError('date-out-of-range', 'The Date header is outside the clock window.', { skew: Math.abs(date.skewSeconds ?? 0), window: this.context.clockSkewSeconds });
    }
    const credential = await this.context.credentials.byUserName(parsed.user);
    const secret = credential?.secret ?? DECOY_SECRET;
    const given = parsed.password.toLowerCase();
    // The seed document's own shell example reads the clock for the signature, then again for the
    // Date header: when a second ticks in between, it signed the second before the one it sends.
    let signedAt = date.unixSeconds;
    let signed = this.#signs(secret, given, request, policy, signedAt);
    if (!signed) signed = this.#signs(secret, given, request, policy, (signedAt = date.unixSeconds - 1));
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown api key.');
    const loginWindow = policy.websupportPathOnly && credential.websupportLoginWindow;
    const loginKey = `${credential.principal.userId}:${given}:${date.unixSeconds}`;
    if (!signed) {
      if (loginWindow && this.#inLoginWindow(loginKey, credential)) return this.context.admit(credential, 'websupport-hmac');
      throw new AuthError('bad-signature', 'The signature does not match the request.');
    }
    const principal = this.context.admit(credential, 'websupport-hmac', given, signedAt);
    if (loginWindow) this.#openLoginWindow(loginKey, credential);
    return principal;
  }

  cacheStats(): CacheStats {
    return { entries: this.#loginWindows.size, hits: this.#hits };
  }

  /** Whether `given` signs this request at `unixSeconds`: its path and query, or (where the policy allows) its bare path. */
  #signs(secret: string, given: string, request: RequestFacts, policy: AuthPolicy, unixSeconds: number): boolean {
    const queryAt = request.rawUrl.indexOf('?');
    const signedWhole = constantTimeEqual(this.#sign(secret, request.method, request.rawUrl, unixSeconds), given);
    const signedPath = policy.websupportPathOnly && queryAt !== -1
      && constantTimeEqual(this.#sign(secret, request.method, request.rawUrl.slice(0, queryAt), unixSeconds), given);
    return signedWhole || signedPath;
  }

  #sign(secret: string, method: string, target: string, unixSeconds: number): string {
    return crypto.createHmac('sha1', secret).update(websupportCanonical({ method, path: target, timestamp: unixSeconds })).digest('hex');
  }

  /**
   * The Websupport "login window" (spec websupport.md §1.3), for API users who opted in: the
   * websupportsk Python client and the certbot plugin sign `GET /v1/user/self` once and send that
   * signature and Date with every request, any method and path. A verified signature opens a
   * window of LOGIN_WINDOW_SECONDS from its first use; using it again does not extend it, and a
   * rotated or disabled credential (a new object in the store) closes it.
   */
  #openLoginWindow(key: string, credential: Credential): void {
    const open = this.#loginWindows.get(key);
    if (open !== undefined && open.credential === credential && this.context.now() <= open.until) return;
    this.#loginWindows.set(key, { credential, until: this.context.now() + LOGIN_WINDOW_SECONDS });
  }

  #inLoginWindow(key: string, credential: Credential): boolean {
    const open = this.#loginWindows.get(key);
    if (open === undefined) return false;
    if (open.credential === credential && this.context.now() <= open.until) {
      this.#hits++;
      return true;
    }
    this.#loginWindows.delete(key);
    return false;
  }
}

export const websupportHmac = (context: SchemeContext) => new WebsupportHmacScheme(context);
