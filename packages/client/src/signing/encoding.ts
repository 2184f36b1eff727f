/** Byte/text encodings that behave the same in Node and in browsers (no Buffer). */

const utf8 = new TextEncoder();

export function utf8Bytes(text: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(text);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, '0');
  return hex;
}

/** Base64 of the UTF-8 bytes of `text` (what `base64("user:secret")` means in the seed documents). */
export function textToBase64(text: string): string {
  return bytesToBase64(utf8Bytes(text));
}

/** Decodes base64 (standard alphabet, padding optional) into UTF-8 text; null when it is not base64. */
export function base64ToText(encoded: string): string | null {
  const trimmed = encoded.trim();
  if (trimmed.length === 0 || trimmed.length > 8192 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return null;
  try {
    const binary = atob(trimmed);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
