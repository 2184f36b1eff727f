/**
 * The registered signing schemes, in the order they are asked whether they recognise a request.
 * A new scheme is one module beside these and one entry here. ThreatConnect HMAC comes first: it
 * is the hot path. Contrast comes before Websupport: `Basic …` with an API-Key header is Contrast's;
 * HTTP Basic comes before Websupport too: `Basic …` without a Date is plain HTTP Basic (TAXII clients).
 */
import type { SchemeFactory } from '../scheme.js';
import { contrastKey } from './contrast-key.js';
import { httpBasic } from './http-basic.js';
import { threatConnectHmac } from './threatconnect-hmac.js';
import { threatConnectToken } from './threatconnect-token.js';
import { websupportHmac } from './websupport-hmac.js';

export const SCHEMES: readonly SchemeFactory[] = [threatConnectHmac, threatConnectToken, contrastKey, httpBasic, websupportHmac];
