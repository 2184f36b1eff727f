/**
 * Websupport-style HMAC: HTTP Basic where the user is the API key and the password is
 * hex HMAC-SHA1(secret, `<METHOD> <path> <unix seconds>`); the time travels in `Date`
 * (ISO 8601 basic, GMT: `20190123T094657Z`). `path` is the request target as sent, path and
 * query (the documentation's example); Cairn's Websupport surface (`/v1`) also accepts the bare
 * path that the live service verifies, every other surface only path and query.
 */
import { base64ToText, bytesToHex, textToBase64 } from './encoding.js';
import type { HmacFunction } from './hmac.js';

export interface WebsupportSigningInput { method: string; path: string; timestamp: number }

export function websupportCanonical(input: WebsupportSigningInput): string {
  return `${input.method.toUpperCase()} ${input.path} ${input.timestamp}`;
}

/** `20190123T094657Z`, the format the Websupport documentation asks for. */
export function formatWebsupportDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function formatBasicAuthorization(user: string, password: string): string {
  return `Basic ${textToBase64(`${user}:${password}`)}`;
}

export interface BasicCredentials { user: string; password: string }

/** Parses `Basic base64(user:password)`; null when the header is not of that form. */
export function parseBasicAuthorization(header: string): BasicCredentials | null {
  const match = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!match) return null;
  return splitUserPassword(base64ToText(match[1]!));
}

export function splitUserPassword(decoded: string | null): BasicCredentials | null {
  if (decoded === null) return null;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function signWebsupport(
  credentials: { apiKey: string; secret: string },
  input: WebsupportSigningInput,
  hmac: HmacFunction,
): Promise<{ Authorization: string; Date: string }> {
  const mac = await hmac('SHA-1', credentials.secret, websupportCanonical(input));
  return {
    Authorization: formatBasicAuthorization(credentials.apiKey, bytesToHex(mac)),
    Date: formatWebsupportDate(input.timestamp),
  };
}
