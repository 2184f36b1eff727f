/**
 * HTTP Basic (RFC 7617), as TAXII clients send it: `Authorization: Basic base64(<access id>:<secret>)`
 * and no `Date`. Nothing is signed: the secret itself travels, so it belongs over TLS.
 *
 * `Basic …` is also the Websupport HMAC's header, which always comes with a `Date` (or `X-Date`):
 * a Basic header without one is this scheme's, except on the Websupport surface, whose policy
 * (`httpBasic: false`) keeps every Basic header for the Websupport scheme, so that its clients
 * still hear "Missing date header." when they forget it. On the TAXII surface (policy
 * `basicAlwaysHttpBasic`) a Basic header is always this scheme's, a Date beside it or not: TAXII
 * clients may send one, and there Basic means the access id and secret.
 */
import { parseBasicAuthorization } from '@cairn/client/signing';
import { AuthError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { constantTimeEqual } from '../constant-time.js';
import { DECOY_SECRET, header, type AuthenticationScheme, type AuthPolicy, type RequestFacts, type SchemeContext } from '../scheme.js';

const BASIC = /^Basic\s/i;

export class HttpBasicScheme implements AuthenticationScheme {
  readonly name = 'http-basic';

  constructor(private readonly context: SchemeContext) {}

  recognises(authorization: string, request: RequestFacts, policy?: AuthPolicy): boolean {
    if (policy !== undefined && !policy.httpBasic) return false;
    if (!BASIC.test(authorization)) return false;
    if (policy?.basicAlwaysHttpBasic) return true;
    return header(request.headers, 'date') === undefined && header(request.headers, 'x-date') === undefined;
  }

  async authenticate(authorization: string): Promise<Principal> {
    const parsed = parseBasicAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be "Basic base64(<access id>:<secret>)".');
    const credential = await this.context.credentials.byUserName(parsed.user);
    // The same comparison for an unknown id as for a known one: timing does not reveal ids.
    const matches = constantTimeEqual(credential?.secret ?? DECOY_SECRET, parsed.password);
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown access id.');
    if (!matches) throw new AuthError('bad-signature', 'The secret does not match.');
    return this.context.admit(credential, 'http-basic');
  }
}

export const httpBasic = (context: SchemeContext) => new HttpBasicScheme(context);
