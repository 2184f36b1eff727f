/**
 * ThreatConnect-style HMAC: `Authorization: TC <accessId>:<base64 HMAC-SHA256(secret, canonical)>`
 * with `Timestamp: <unix seconds>`, where canonical is `<path>[?<query>]:<METHOD>:<timestamp>`.
 * The path and query are the request target exactly as sent on the wire (percent-encoding kept,
 * base path such as `/api` included).
 */
import { bytesToBase64 } from './encoding.js';
import type { HmacFunction } from './hmac.js';

export interface ThreatConnectSigningInput {
  /** Request target as sent: path plus `?query` when there is one, still percent-encoded. */
  pathAndQuery: string;
  method: string;
  /** Unix seconds, as it will be sent in the Timestamp header. */
  timestamp: number | string;
}

export function threatConnectCanonical(input: ThreatConnectSigningInput): string {
  return `${input.pathAndQuery}:${input.method.toUpperCase()}:${input.timestamp}`;
}

export function formatThreatConnectAuthorization(accessId: string, signature: string): string {
  return `TC ${accessId}:${signature}`;
}

export interface ThreatConnectCredentials { accessId: string; signature: string }

/** Parses `TC <accessId>:<signature>`; null when the header is not of that form. */
export function parseThreatConnectAuthorization(header: string): ThreatConnectCredentials | null {
  const match = /^TC ([^\s:]{1,256}):([A-Za-z0-9+/=]{1,256})$/.exec(header.trim());
  return match ? { accessId: match[1]!, signature: match[2]! } : null;
}

export async function signThreatConnect(
  credentials: { accessId: string; secret: string },
  input: ThreatConnectSigningInput,
  hmac: HmacFunction,
): Promise<{ Authorization: string; Timestamp: string }> {
  const mac = await hmac('SHA-256', credentials.secret, threatConnectCanonical(input));
  return {
    Authorization: formatThreatConnectAuthorization(credentials.accessId, bytesToBase64(mac)),
    Timestamp: String(input.timestamp),
  };
}

/** `Authorization: TC-Token <token>` for tokens issued by `POST /api/v3/security/tokens`. */
export function formatThreatConnectTokenAuthorization(token: string): string {
  return `TC-Token ${token}`;
}
