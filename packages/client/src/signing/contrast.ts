/**
 * Contrast-style key pair: `Authorization: base64(<user name>:<service key>)` with no scheme
 * word, plus `API-Key: <organization key>`. Nothing is signed; the secret itself travels, so
 * this scheme is only as safe as the TLS under it.
 */
import { base64ToText, textToBase64 } from './encoding.js';
import { splitUserPassword, type BasicCredentials } from './websupport.js';

export function formatContrastAuthorization(userName: string, serviceKey: string): string {
  return textToBase64(`${userName}:${serviceKey}`);
}

/** Parses the bare base64 token (a leading `Basic ` is tolerated); null when malformed. */
export function parseContrastAuthorization(header: string): BasicCredentials | null {
  const token = header.trim().replace(/^Basic\s+/i, '');
  return splitUserPassword(base64ToText(token));
}

export function contrastHeaders(credentials: { userName: string; serviceKey: string; apiKey: string }): { Authorization: string; 'API-Key': string } {
  return { Authorization: formatContrastAuthorization(credentials.userName, credentials.serviceKey), 'API-Key': credentials.apiKey };
}
