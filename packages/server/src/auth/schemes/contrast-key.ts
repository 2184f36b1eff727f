/**
 * Contrast key pair: `Authorization: base64(<user name>:<service key>)` (a `Basic ` prefix is
 * tolerated) and `API-Key: <organization key>`. Nothing is signed: the secret itself travels.
 */
import { parseContrastAuthorization } from '@cairn/client/signing';
import { AuthError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { constantTimeEqual } from '../constant-time.js';
import { DECOY_SECRET, header, type AuthenticationScheme, type RequestFacts, type SchemeContext } from '../scheme.js';

const BASIC = /^Basic\s/i;

export class ContrastKeyScheme implements AuthenticationScheme {
  readonly name = 'contrast-key';

  constructor(private readonly context: SchemeContext) {}

  /**
   * An API-Key header makes it Contrast's. Without one, a bare base64 user:key token is still
   * recognised, to say that the API-Key is missing (`Basic …` without it is Websupport's).
   */
  recognises(authorization: string, request: RequestFacts): boolean {
    if (header(request.headers, 'api-key') !== undefined) return true;
    return !BASIC.test(authorization) && parseContrastAuthorization(authorization) !== null;
  }

  async authenticate(authorization: string, request: RequestFacts): Promise<Principal> {
    const apiKey = header(request.headers, 'api-key');
    if (apiKey === undefined) throw new AuthError('missing-api-key', 'The Contrast key pair needs the organization key in an API-Key header.');
    const parsed = parseContrastAuthorization(authorization);
    if (!parsed) throw new AuthError('malformed-credentials', 'The Authorization header must be base64(<user name>:<service key>).');
    const credential = await this.context.credentials.byUserName(parsed.user);
    const keyMatches = constantTimeEqual(credential?.secret ?? DECOY_SECRET, parsed.password);
    const apiKeyMatches = constantTimeEqual(credential?.organizationApiKey ?? DECOY_SECRET, apiKey.trim());
    if (!credential) throw new AuthError('unknown-access-id', 'Unknown user name.');
    if (!keyMatches) throw new AuthError('bad-signature', 'The service key does not match.');
    if (!apiKeyMatches) throw new AuthError('bad-api-key', 'The API-Key does not match the user\'s organization.');
    return this.context.admit(credential, 'contrast-key');
  }
}

export const contrastKey = (context: SchemeContext) => new ContrastKeyScheme(context);
