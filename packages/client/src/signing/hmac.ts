import { utf8Bytes } from './encoding.js';

export type HmacAlgorithm = 'SHA-256' | 'SHA-1';

/**
 * Computes an HMAC. Injected so that the same signing code runs on node:crypto (server, sync)
 * and on WebCrypto (browsers, async).
 */
export type HmacFunction = (algorithm: HmacAlgorithm, key: string, message: string) => Uint8Array | Promise<Uint8Array>;

/** HMAC through WebCrypto (`globalThis.crypto.subtle`): browsers, Deno, Node 20+. */
export const webCryptoHmac: HmacFunction = async (algorithm, key, message) => {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto is not available in this environment; pass an HmacFunction explicitly.');
  const cryptoKey = await subtle.importKey('raw', utf8Bytes(key), { name: 'HMAC', hash: algorithm }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', cryptoKey, utf8Bytes(message)));
};
