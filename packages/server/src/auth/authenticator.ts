/**
 * Detects the signing scheme from the headers and verifies it. Any scheme works on any surface;
 * failures are AuthErrors with a reason that each surface words its own way.
 *
 *   Authorization: TC <id>:<sig> + Timestamp     ThreatConnect HMAC-SHA256 over the raw target
 *   Authorization: TC-Token <token>              token from POST /api/v3/security/tokens
 *   API-Key: <org key> + Authorization: base64   Contrast key pair (a `Basic ` prefix is tolerated)
 *   Authorization: Basic <key:hex sig> + Date    Websupport HMAC-SHA1
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  parseBasicAuthorization,
  parseContrastAuthorization,
  parseThreatConnectAuthorization,
  threatConnectCanonical,
  websupportCanonical,
} from '@cairn/client/signing';
import { AuthError } from '../core/errors.js';
import type { Credential, CredentialStore } from './credential-store.js';
import type { AuthScheme, Principal } from './principal.js';
import type { ReplayGuard } from './replay-guard.js';
import { constantTimeEqual } from './secrets.js';
import { parseSignatureDate } from './signature-date.js';
import type { TokenService } from './tokens.js';

export interface RequestFacts {
  method: string;
  /** The request target exactly as received (path and query, percent-encoding untouched). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
}

const MAX_AUTH_HEADER = 4096;
/** Verifying an unknown id costs the same HMAC as a known one, so timing does not reveal ids. */
const DECOY_SECRET = crypto.randomBytes(30).toString('base64');

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** One Principal object per credential and scheme, made once: the hot path allocates nothing here. */
const principals = new WeakMap<Credential, Partial<Record<AuthScheme, Principal>>>();

function principalFor(credential: Credential, scheme: AuthScheme): Principal {
  let byScheme = principals.get(credential);
  if (!byScheme) principals.set(credential, (byScheme = {}));
  return (byScheme[scheme] ??= Object.freeze({ ...credential.principal, scheme }));
}

/** Bound on remembered verified signatures (each entry lives at most one clock window in practice). */
const MAX_VERIFIED_SIGNATURES = 10_000;

/** How long a Websupport login lasts: "logged in for next 59 seconds" (websupportsk client.py). */
const LOGIN_WINDOW_SECONDS = 59;
const MAX_LOGIN_WINDOWS = 10_000;

interface VerifiedSignature {
  method: string;
  rawUrl: string;
  timestampHeader: string;
  timestamp: number;
  accessId: string;
  signature: string;
  credential: Credential;
}

export class Authenticator {
  /**
   * Verified TC signatures by Authorization header (the signature makes it unique per request line
   * and Timestamp), with what they were verified for. Clients repeat identical signed requests
   * within a second; a hit skips parsing and the HMAC but still checks that the method, target and
   * Timestamp are the ones signed, the clock window, that the credential is the store's current
   * one (a rotated or disabled credential is a new object) and the replay guard.
   */
  readonly #verified = new Map<string, VerifiedSignature>();
  /** Open Websupport login windows by user, signature and signed time (see #openLoginWindow). */
  readonly #loginWindows = new Map<string, { credential: Credential; until: number }>();

  constructor(
    private readonly credentials: CredentialStore,
    private readonly tokens: TokenService,
    private readonly replay: ReplayGuard,
    private readonly clockSkewSeconds: number,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** A Principal, synchronously when the credential is cached (the common case), else a Promise. */
  authenticate(request: RequestFacts): Principal | Promise<Principal> {
    const authorization = header(request.headers, 'authorization')?.trim();
    const apiKey = header(request.headers, 'api-key');
    if (!authorization) {
      throw new AuthError('missing-credentials', apiKey === undefined
        ? 'No Authorization header: sign the request (TC HMAC, TC-Token, Websupport Basic HMAC or Contrast key pair).'
        : 'The Contrast API-Key header needs an Authorization header with base64(user:service key).');
    }
    if (authorization.length > MAX_AUTH_HEADER) throw new AuthError('malformed-credentials', `The Authorization header is longer than ${MAX_AUTH_HEADER} characters.`);
    const verified = this.#verified.get(authorization);
    if (verified !== undefined) {
      const admitted = this.#reuseVerified(request, verified);
      if (admitted !== undefined) return admitted;
    }
    if (/^TC-Token\s/i.test(authorization)) return this.#token(authorization.replace(/^TC-Token\s+/i, ''));
    if (/^TC\s/.test(authorization)) return this.#threatConnect(request, authorization);
    if (apiKey !== undefined) return this.#contrast(authorization, apiKey);
    if (/^Basic\s/i.test(authorization)) return this.#websupport(request, authorization);
    if (parseContrastAuthorization(authorization)) throw new AuthError('missing-api-key', 'The Contrast key pair needs the organization key in an API-Key header.');
    throw new AuthError('malformed-credentials', 'The Authorization header is not of a supported scheme (TC, TC-Token, Basic, or the Contrast base64 token with API-Key).');
  }

  #threatConnect(request: RequestFacts, authorization: string): Principal | Promise<Principal> {
    const parsed = parseThreatConnectAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be "TC <access id>:<base64 signature>".');
    const timestampHeader = header(request.headers, 'timestamp')?.trim();
    if (timestampHeader === undefined) throw new AuthError('missing-timestamp', 'The Timestamp header is missing.');
    if (!/^\d{1,12}$/.test(timestampHeader)) throw new AuthError('invalid-timestamp', 'The Timestamp header must be Unix time in whole seconds.');
    const timestamp = Number(timestampHeader);
    this.#checkClockWindow(timestamp);
    const cached = this.credentials.peek(parsed.accessId);
    if (cached !== undefined) return this.#verifyThreatConnect(request, authorization, parsed, timestampHeader, timestamp, cached);
    return this.credentials.byUserName(parsed.accessId)
      .then((credential) => this.#verifyThreatConnect(request, authorization, parsed, timestampHeader, timestamp, credential));
  }

  #checkClockWindow(timestamp: number): void {
    const skew = timestamp - this.now();
    if (Math.abs(skew) > this.clockSkewSeconds) throw new AuthError('timestamp-out-of-range', `The Timestamp is ${Math.abs(skew)} s away from the server clock; the limit is ${this.clockSkewSeconds} s.`, { skew });
  }

  /**
   * A remembered verification, when it is for this very request (method, target, Timestamp) and
   * its credential is still the store's current one; undefined sends the request down the full path.
   */
  #reuseVerified(request: RequestFacts, verified: VerifiedSignature): Principal | undefined {
    if (verified.method !== request.method || verified.rawUrl !== request.rawUrl) return undefined;
    const timestampHeader = header(request.headers, 'timestamp');
    if (timestampHeader === undefined || timestampHeader.trim() !== verified.timestampHeader) return undefined;
    if (this.credentials.peek(verified.accessId) !== verified.credential) return undefined;
    this.#checkClockWindow(verified.timestamp);
    return this.#admit(verified.credential, 'threatconnect-hmac', verified.signature, verified.timestamp);
  }

  /** A method rather than a closure: the hot path creates no function per request. */
  #verifyThreatConnect(request: RequestFacts, authorization: string, parsed: { accessId: string; signature: string }, timestampHeader: string, timestamp: number, credential: Credential | null | undefined): Principal {
    const canonical = threatConnectCanonical({ pathAndQuery: request.rawUrl, method: request.method, timestamp: timestampHeader });
    const expected = crypto.createHmac('sha256', credential?.secret ?? DECOY_SECRET).update(canonical).digest('base64');
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown access id.');
    if (!constantTimeEqual(expected, parsed.signature)) throw new AuthError('bad-signature', 'The signature does not match the request.');
    if (this.#verified.size >= MAX_VERIFIED_SIGNATURES) this.#verified.clear();
    this.#verified.set(authorization, { method: request.method, rawUrl: request.rawUrl, timestampHeader, timestamp, accessId: parsed.accessId, signature: parsed.signature, credential });
    return this.#admit(credential, 'threatconnect-hmac', parsed.signature, timestamp);
  }

  async #websupport(request: RequestFacts, authorization: string): Promise<Principal> {
    const parsed = parseBasicAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be "Basic base64(<api key>:<signature>)".');
    const dateHeader = header(request.headers, 'date') ?? header(request.headers, 'x-date');
    if (dateHeader === undefined || dateHeader.trim() === '') throw new AuthError('missing-date', 'Missing date header.');
    const date = parseSignatureDate(dateHeader, this.now(), this.clockSkewSeconds);
    if (!date.ok) {
      if (date.reason === 'invalid') throw new AuthError('invalid-date', 'The Date header is not a date.', { value: dateHeader.slice(0, 64) });
      throw new AuthError('date-out-of-range', 'The Date header is outside the clock window.', { skew: Math.abs(date.skewSeconds ?? 0), window: this.clockSkewSeconds });
    }
    const credential = await this.credentials.byUserName(parsed.user);
    const secret = credential?.secret ?? DECOY_SECRET;
    const queryAt = request.rawUrl.indexOf('?');
    const path = queryAt === -1 ? request.rawUrl : request.rawUrl.slice(0, queryAt);
    const given = parsed.password.toLowerCase();
    const sign = (target: string) => crypto.createHmac('sha1', secret).update(websupportCanonical({ method: request.method, path: target, timestamp: date.unixSeconds })).digest('hex');
    // The live API verifies the bare path; the documentation's example signs path+query. Accept both.
    const matches = constantTimeEqual(sign(path), given) || (queryAt !== -1 && constantTimeEqual(sign(request.rawUrl), given));
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown api key.');
    const loginKey = `${credential.principal.userId}:${given}:${date.unixSeconds}`;
    if (!matches) {
      if (credential.websupportLoginWindow && this.#inLoginWindow(loginKey, credential)) return this.#admit(credential, 'websupport-hmac');
      throw new AuthError('bad-signature', 'The signature does not match the request.');
    }
    const principal = this.#admit(credential, 'websupport-hmac', given, date.unixSeconds);
    if (credential.websupportLoginWindow) this.#openLoginWindow(loginKey, credential);
    return principal;
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
    if (open !== undefined && open.credential === credential && this.now() <= open.until) return;
    if (this.#loginWindows.size >= MAX_LOGIN_WINDOWS) this.#loginWindows.clear();
    this.#loginWindows.set(key, { credential, until: this.now() + LOGIN_WINDOW_SECONDS });
  }

  #inLoginWindow(key: string, credential: Credential): boolean {
    const open = this.#loginWindows.get(key);
    if (open === undefined) return false;
    if (open.credential === credential && this.now() <= open.until) return true;
    this.#loginWindows.delete(key);
    return false;
  }

  async #contrast(authorization: string, apiKey: string): Promise<Principal> {
    const parsed = parseContrastAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be base64(<user name>:<service key>).');
    const credential = await this.credentials.byUserName(parsed.user);
    const keyMatches = constantTimeEqual(credential?.secret ?? DECOY_SECRET, parsed.password);
    const apiKeyMatches = constantTimeEqual(credential?.organizationApiKey ?? DECOY_SECRET, apiKey.trim());
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown user name.');
    if (!keyMatches) throw new AuthError('bad-signature', 'The service key does not match.');
    if (!apiKeyMatches) throw new AuthError('bad-api-key', 'The API-Key does not match the user\'s organization.');
    return this.#admit(credential, 'contrast-key');
  }

  async #token(token: string): Promise<Principal> {
    const claims = this.tokens.read(token.trim());
    if (!claims) throw new AuthError('token-invalid', 'The token is not valid.');
    if (claims.expiresAt <= this.now()) throw new AuthError('token-expired', 'The token has expired.');
    const credential = await this.credentials.byUserId(claims.userId);
    if (!credential || this.tokens.fingerprint(credential.secret) !== claims.fingerprint) throw new AuthError('token-invalid', 'The token was revoked (the secret was rotated).');
    return this.#admit(credential, 'threatconnect-token');
  }

  #admit(credential: Credential, scheme: AuthScheme, signature?: string, signedAt?: number): Principal {
    if (credential.disabled) throw new AuthError('user-disabled', 'This user is disabled.');
    if (credential.rejectReplay && signature !== undefined && signedAt !== undefined) {
      const now = this.now();
      if (!this.replay.remember(`${credential.principal.userId}:${scheme}:${signature}`, signedAt + this.clockSkewSeconds, now)) {
        throw new AuthError('replayed-signature', 'This signature was already used.');
      }
    }
    return principalFor(credential, scheme);
  }
}
