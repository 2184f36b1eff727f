/**
 * The five ways a request proves who sends it, and what each case of the security matrix means in
 * each of them. Headers are made here with node:crypto, independently of the server's verifier.
 */
import { contrastHeaders, nowSeconds, tcHeaders, websupportHeaders } from './http.js';

export type SchemeName = 'tc-hmac' | 'tc-token' | 'websupport' | 'contrast' | 'basic';
export const SCHEMES: readonly SchemeName[] = ['tc-hmac', 'tc-token', 'websupport', 'contrast', 'basic'];

/**
 * The schemes a route takes: every one, but on the Websupport surface (`/v1`) a `Basic` header is
 * the Websupport HMAC's, so plain HTTP Basic is not one of its schemes; on the TAXII surface
 * (`/taxii2`) a `Basic` header is always HTTP Basic, so the Websupport HMAC is not one of its.
 */
export function schemesFor(path: string): readonly SchemeName[] {
  if (/^\/v1(\/|$)/.test(path)) return SCHEMES.filter((scheme) => scheme !== 'basic');
  // On the TAXII surface every `Basic` header is HTTP Basic (a Date beside it or not): no Websupport HMAC there.
  if (/^\/taxii2(\/|$)/.test(path)) return SCHEMES.filter((scheme) => scheme !== 'websupport');
  return SCHEMES;
}

/** An API user as every scheme signs for it. */
export interface Caller {
  userId: number;
  /** The TC access id, also the Websupport API key and the Contrast user name. */
  accessId: string;
  /** The TC secret, also the Websupport secret and the Contrast service key. */
  secret: string;
  /** The organization's Contrast API-Key. */
  apiKey: string;
  /** A TC-Token from POST /api/v3/security/tokens. */
  token: string;
}

/**
 * Valid headers for one request. The Websupport signature covers path and query (the documented
 * form, which every surface accepts); `at` signs for another instant.
 */
export function signedHeaders(scheme: SchemeName, caller: Caller, method: string, target: string, at = nowSeconds()): Record<string, string> {
  switch (scheme) {
    case 'tc-hmac': return tcHeaders(caller.accessId, caller.secret, method, target, at);
    case 'tc-token': return { Authorization: `TC-Token ${caller.token}` };
    case 'websupport': return websupportHeaders(caller.accessId, caller.secret, method, target, at);
    case 'contrast': return contrastHeaders(caller.accessId, caller.secret, caller.apiKey);
    case 'basic': return { Authorization: `Basic ${Buffer.from(`${caller.accessId}:${caller.secret}`).toString('base64')}` };
  }
}

export type AuthFailureCase = 'no auth' | 'wrong secret' | 'stale' | 'disabled user';

/** Credentials the failure cases are made of (all of the home organization). */
export interface AuthFailureCredentials {
  /** A working credential, altered or aged by the cases. */
  valid: Caller;
  /** A user disabled after its token was issued. */
  disabled: Caller;
  /** A user whose secret was rotated after its token was issued: `secret` and `token` are the old ones. */
  rotated: Caller;
  /** A token of `valid` issued by the server with an expiry in the past. */
  expiredToken: string;
}

export interface AuthFailure { case: AuthFailureCase; scheme: SchemeName; meaning: string; headers: Record<string, string> }

const STALE_SECONDS = 3600;

/** Every failure case for one scheme and request: each must be refused with a 401. */
export function authFailures(scheme: SchemeName, credentials: AuthFailureCredentials, method: string, target: string): AuthFailure[] {
  const { valid, disabled, rotated, expiredToken } = credentials;
  const sign = (caller: Caller, at?: number) => signedHeaders(scheme, caller, method, target, at);
  const failure = (kind: AuthFailureCase, meaning: string, headers: Record<string, string>): AuthFailure => ({ case: kind, scheme, meaning, headers });
  const disabledCase = failure('disabled user', 'a correct credential of a disabled user (its token issued before it was disabled)', sign(disabled));
  switch (scheme) {
    case 'tc-hmac': return [
      failure('no auth', 'a Timestamp and no Authorization', { Timestamp: String(nowSeconds()) }),
      failure('wrong secret', 'signed with a wrong secret', sign({ ...valid, secret: `${valid.secret}x` })),
      failure('stale', `a correct signature over a Timestamp ${STALE_SECONDS} s old`, sign(valid, nowSeconds() - STALE_SECONDS)),
      disabledCase,
    ];
    case 'tc-token': return [
      failure('no auth', 'an Authorization of "TC-Token" and no token', { Authorization: 'TC-Token' }),
      failure('wrong secret', 'a token with one character of its MAC changed', sign({ ...valid, token: alterOneCharacter(valid.token) })),
      failure('stale', 'a token past its expiry', sign({ ...valid, token: expiredToken })),
      failure('stale', 'a token issued before its user\'s secret was rotated', sign(rotated)),
      disabledCase,
    ];
    case 'websupport': return [
      failure('no auth', 'a Date and no Authorization', { Date: websupportHeaders(valid.accessId, valid.secret, method, target).Date! }),
      failure('wrong secret', 'signed with a wrong secret', sign({ ...valid, secret: `${valid.secret}x` })),
      failure('stale', `a correct signature over a Date ${STALE_SECONDS} s old`, sign(valid, nowSeconds() - STALE_SECONDS)),
      disabledCase,
    ];
    case 'contrast': return [
      failure('no auth', 'an API-Key and no Authorization', { 'API-Key': valid.apiKey }),
      failure('wrong secret', 'a wrong service key', sign({ ...valid, secret: `${valid.secret}x` })),
      failure('stale', 'the service key as it was before a rotation (the pair has no time of its own)', sign(rotated)),
      disabledCase,
    ];
    case 'basic': return [
      failure('no auth', 'an Authorization of "Basic" and no credentials', { Authorization: 'Basic ' }),
      failure('wrong secret', 'a wrong secret', sign({ ...valid, secret: `${valid.secret}x` })),
      failure('stale', 'the secret as it was before a rotation (Basic has no time of its own)', sign(rotated)),
      disabledCase,
    ];
  }
}

function alterOneCharacter(token: string): string {
  const at = token.length - 10;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}
