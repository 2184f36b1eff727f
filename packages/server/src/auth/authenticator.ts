/**
 * Authenticates a request by the first registered scheme (schemes/index.ts) that recognises its
 * headers. Any scheme works on any surface, within the surface's AuthPolicy; failures are
 * AuthErrors with a reason that each surface words its own way.
 *
 *   Authorization: TC <id>:<sig> + Timestamp     ThreatConnect HMAC-SHA256 over the raw target
 *   Authorization: TC-Token <token>              token from POST /api/v3/security/tokens
 *   API-Key: <org key> + Authorization: base64   Contrast key pair (a `Basic ` prefix is tolerated)
 *   Authorization: Basic <key:hex sig> + Date    Websupport HMAC-SHA1
 *   Authorization: Basic base64(id:secret)       HTTP Basic (TAXII clients), no Date; not on the Websupport surface
 *
 * What is shared lives here: the header size limit, admission (disabled users, replayed
 * signatures) and one Principal object per credential and scheme.
 */
import { AuthError } from '../core/errors.js';
import type { AuthScheme, Principal } from '../core/principal.js';
import type { Credential, CredentialStore } from './credential-store.js';
import type { ReplayGuard } from './replay-guard.js';
import {
  header,
  SIGN_WHOLE_TARGET_POLICY,
  type AuthenticationScheme,
  type AuthPolicy,
  type CacheStats,
  type RequestFacts,
  type SchemeContext,
  type SchemeFactory,
} from './scheme.js';
import { SCHEMES } from './schemes/index.js';
import type { TokenService } from './tokens.js';

export type { AuthPolicy, RequestFacts } from './scheme.js';

const MAX_AUTH_HEADER = 4096;

/** One Principal object per credential and scheme, made once: the hot path allocates nothing here. */
const principals = new WeakMap<Credential, Partial<Record<AuthScheme, Principal>>>();

function principalFor(credential: Credential, scheme: AuthScheme): Principal {
  let byScheme = principals.get(credential);
  if (!byScheme) principals.set(credential, (byScheme = {}));
  return (byScheme[scheme] ??= Object.freeze({ ...credential.principal, scheme }));
}

export interface AuthenticatorOptions {
  credentials: CredentialStore;
  tokens: TokenService;
  replay: ReplayGuard;
  clockSkewSeconds: number;
  /** Unix seconds. */
  now?: () => number;
  /** The schemes to try, in order; the registered ones by default. */
  schemes?: readonly SchemeFactory[];
}

export class Authenticator implements SchemeContext {
  readonly credentials: CredentialStore;
  readonly tokens: TokenService;
  readonly clockSkewSeconds: number;
  readonly #replay: ReplayGuard;
  readonly #now: () => number;
  readonly #schemes: readonly AuthenticationScheme[];

  constructor(options: AuthenticatorOptions) {
    this.credentials = options.credentials;
    this.tokens = options.tokens;
    this.clockSkewSeconds = options.clockSkewSeconds;
    this.#replay = options.replay;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#schemes = (options.schemes ?? SCHEMES).map((make) => make(this));
  }

  now(): number {
    return this.#now();
  }

  /**
   * A Principal, synchronously when the scheme can answer from its caches (the common case), else
   * a Promise. `policy` is the rule of the surface the request is for (see AuthPolicy).
   */
  authenticate(request: RequestFacts, policy: AuthPolicy = SIGN_WHOLE_TARGET_POLICY): Principal | Promise<Principal> {
    const authorization = header(request.headers, 'authorization')?.trim();
    if (!authorization) {
      throw new AuthError('missing-credentials', header(request.headers, 'api-key') === undefined
        ? 'No Authorization header: sign the request (TC HMAC, TC-Token, Websupport Basic HMAC or Contrast key pair).'
        : 'The Contrast API-Key header needs an Authorization header with base64(user:service key).');
    }
    if (authorization.length > MAX_AUTH_HEADER) throw new AuthError('malformed-credentials', `The Authorization header is longer than ${MAX_AUTH_HEADER} characters.`);
    const schemes = this.#schemes;
    for (let i = 0; i < schemes.length; i++) {
      const scheme = schemes[i]!;
      if (scheme.recognises(authorization, request, policy)) return scheme.authenticate(authorization, request, policy);
    }
    throw new AuthError('malformed-credentials', 'The Authorization header is not of a supported scheme (TC, TC-Token, Basic, or the Contrast base64 token with API-Key).');
  }

  admit(credential: Credential, scheme: AuthScheme, signature?: string, signedAt?: number): Principal {
    if (credential.disabled) throw new AuthError('user-disabled', 'This user is disabled.');
    if (credential.rejectReplay && signature !== undefined && signedAt !== undefined) {
      if (!this.#replay.remember(`${credential.principal.userId}:${scheme}:${signature}`, signedAt + this.clockSkewSeconds, this.now())) {
        throw new AuthError('replayed-signature', 'This signature was already used.');
      }
    }
    return principalFor(credential, scheme);
  }

  /** Each scheme's cache figures (read-only), by scheme name. */
  cacheStats(): Partial<Record<AuthScheme, CacheStats>> {
    const stats: Partial<Record<AuthScheme, CacheStats>> = {};
    for (const scheme of this.#schemes) if (scheme.cacheStats) stats[scheme.name] = scheme.cacheStats();
    return stats;
  }
}
