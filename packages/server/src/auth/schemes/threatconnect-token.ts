/**
 * ThreatConnect token: `Authorization: TC-Token <token>`, a token issued by a signed
 * `POST /api/v3/security/tokens` (see ../tokens.ts). Rotating the secret revokes it.
 */
import { AuthError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import type { AuthenticationScheme, SchemeContext } from '../scheme.js';

const RECOGNISED = /^TC-Token\s/i;

export class ThreatConnectTokenScheme implements AuthenticationScheme {
  readonly name = 'threatconnect-token';

  constructor(private readonly context: SchemeContext) {}

  recognises(authorization: string): boolean {
    return RECOGNISED.test(authorization);
  }

  async authenticate(authorization: string): Promise<Principal> {
    const claims = this.context.tokens.read(authorization.replace(/^TC-Token\s+/i, '').trim());
    if (!claims) throw new AuthError('token-invalid', 'The token is not valid.');
    if (claims.expiresAt <= this.context.now()) throw new AuthError('token-expired', 'The token has expired.');
    const credential = await this.context.credentials.byUserId(claims.userId);
    if (!credential || this.context.tokens.fingerprint(credential.secret) !== claims.fingerprint) throw new AuthError('token-invalid', 'The token was revoked (the secret was rotated).');
    return this.context.admit(credential, 'threatconnect-token');
  }
}

export const threatConnectToken = (context: SchemeContext) => new ThreatConnectTokenScheme(context);
