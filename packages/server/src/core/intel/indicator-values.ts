/**
 * How each kind of indicator value is validated and normalised (spec threatconnect.md §5.1):
 * one normaliser per value key, each a pure function from what a client sent to the stored form
 * or a problem worded for a field error. Normalising is idempotent: a stored value normalises to
 * itself, so a value read back and sent again addresses the same indicator.
 *
 * Decisions where the spec is silent (documented in docs/design.md):
 * - Addresses: IPv4 only in four-part decimal (no `127.1`, no octal `010.0.0.1`); IPv6 in its
 *   RFC 5952 form (lower case, longest zero run compressed); zone ids (`%eth0`) are refused.
 * - CIDR blocks: the network address of the block (`10.1.2.3/8` → `10.0.0.0/8`); IPv6 blocks
 *   uncompressed without leading zeros (`2001:db8:0:0:0:0:0:0/32`), as the spec says.
 * - Host names: Unicode names become their punycode (`bücher.de` → `xn--bcher-kva.de`); lower
 *   case; a trailing dot dropped; at least two labels; labels of letters, digits, `-` and `_`.
 * - ASN: `ASN12345`, `AS12345`, `asn 12345` and `12345` all become `ASN12345` (0 … 4294967295).
 * - Hashes: hex of the key's length, lower case.
 * - Registry keys: the hive first (`HKEY_LOCAL_MACHINE\…`; `HKLM\…` and the other short names
 *   become the full hive), the value type one of the REG_* names (upper case).
 * - Hashtags: `#` added when missing; no white space inside.
 * - URLs: scheme and host lower case, the rest as sent; an absolute URL with a host.
 */
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

/** The stored form of a value, or why it cannot be one (a field problem's message). */
export type NormalizedValue = { value: string } | { problem: string };

export type ValueNormalizer = (raw: string) => NormalizedValue;

const ok = (value: string): NormalizedValue => ({ value });
const bad = (problem: string): NormalizedValue => ({ problem });

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * What ipaddr's isValidFourPartDecimal says (four decimal octets, no leading zeros, each at most
 * 255), without its way of finding that most text (every host name and URL host) is no IPv4
 * address: throwing and catching an exception, which costs far more than the normalising around
 * it. Such an address is its own canonical form (ipaddr's parse and toString give it back).
 */
const FOUR_PART_DECIMAL = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const isFourPartDecimal = (text: string) => {
  const match = FOUR_PART_DECIMAL.exec(text);
  return match !== null && Number(match[1]) <= 255 && Number(match[2]) <= 255 && Number(match[3]) <= 255 && Number(match[4]) <= 255;
};

/** IPv4 (four-part decimal) or IPv6 (RFC 5952). */
export function normalizeAddress(raw: string): NormalizedValue {
  const text = raw.trim();
  if (text.length > 45) return bad('must be an IPv4 or IPv6 address');
  if (isFourPartDecimal(text)) return ok(text);
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) return ok(ipaddr.IPv6.parse(text).toRFC5952String());
  return bad('must be an IPv4 address (such as 192.0.2.1) or an IPv6 address (such as 2001:db8::1)');
}

/** A CIDR block as its network address and prefix length. */
export function normalizeCidr(raw: string): NormalizedValue {
  const text = raw.trim();
  const problem = 'must be a CIDR block such as 192.0.2.0/24 or 2001:db8::/32';
  const match = /^([^/]{1,45})\/(\d{1,3})$/.exec(text);
  if (!match) return bad(problem);
  const [, address, bits] = match as unknown as [string, string, string];
  const prefix = Number(bits);
  if (isFourPartDecimal(address)) {
    if (prefix > 32) return bad('must have a prefix length of at most 32 for IPv4');
    return ok(`${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()}/${prefix}`);
  }
  if (!address.includes('%') && ipaddr.IPv6.isValid(address)) {
    if (prefix > 128) return bad('must have a prefix length of at most 128 for IPv6');
    return ok(`${ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`).toNormalizedString()}/${prefix}`);
  }
  return bad(problem);
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A DNS host name, ASCII (punycode), lower case, without a trailing dot. */
export function normalizeHost(raw: string): NormalizedValue {
  let text = raw.trim();
  if (text.length === 0 || text.length > 253 + 1) return bad('must be a host name of at most 253 characters');
  if (CONTROL.test(text) || /\s/.test(text)) return bad('must be a host name (no spaces)');
  if (text.endsWith('.')) text = text.slice(0, -1);
  // domainToASCII turns Unicode into punycode and lower-cases; it answers '' for what it cannot convert.
  const ascii = /^[\x20-\x7e]*$/.test(text) ? text.toLowerCase() : domainToASCII(text);
  if (ascii === '' || ascii.length > 253) return bad('must be a host name such as example.com');
  const labels = ascii.split('.');
  if (labels.length < 2) return bad('must be a host name with a domain, such as example.com');
  for (const label of labels) {
    if (!LABEL.test(label)) return bad(`must be a host name: "${label.slice(0, 70)}" is not a valid label (letters, digits, - and _, at most 63 characters)`);
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return bad('must be a host name, not an address (use an Address indicator)');
  return ok(ascii);
}

/** An email address: the local part as sent, the domain a normalised host name. */
export function normalizeEmailAddress(raw: string): NormalizedValue {
  const text = raw.trim();
  if (text.length > 254) return bad('must be an email address of at most 254 characters');
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return bad('must be an email address such as name@example.com');
  const local = text.slice(0, at);
  if (local.length > 64) return bad('must have a local part (before @) of at most 64 characters');
  if (CONTROL.test(local) || /[\s@<>()[\]\\,;:"]/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return bad('must be an email address such as name@example.com (the part before @ has characters an address cannot have)');
  }
  const domain = normalizeHost(text.slice(at + 1));
  if ('problem' in domain) return bad(`must be an email address whose domain ${domain.problem.replace(/^must be /, 'is ')}`);
  return ok(`${local}@${domain.value}`);
}

/** An absolute URL with a host: scheme and host lower case, everything else as sent. */
export function normalizeUrl(raw: string): NormalizedValue {
  const text = raw.trim();
  if (text.length === 0 || text.length > 2000) return bad('must be a URL of at most 2000 characters');
  if (CONTROL.test(text) || /\s/.test(text)) return bad('must be a URL without spaces or control characters (percent-encode them)');
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(text);
  if (!match) return bad('must be an absolute URL such as http://example.com/path');
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  const hostMatch = /^(\[[^\]]+\]|[^:]*)(:\d{0,5})?$/.exec(hostPort);
  if (!hostMatch || hostMatch[1] === '') return bad('must be a URL with a host, such as http://example.com/');
  let host = hostMatch[1]!;
  if (host.startsWith('[')) {
    const address = normalizeAddress(host.slice(1, -1));
    if ('problem' in address || !address.value.includes(':')) return bad('must be a URL whose bracketed host is an IPv6 address');
    host = `[${address.value}]`;
  } else if (!isFourPartDecimal(host)) {
    const name = normalizeHost(host);
    if ('problem' in name) return bad(`must be a URL whose host ${name.problem.replace(/^must be /, 'is ')}`);
    host = name.value;
  }
  const port = hostMatch[2] ?? '';
  if (port.length > 1 && Number(port.slice(1)) > 65535) return bad('must be a URL with a port of at most 65535');
  const normalized = `${scheme.toLowerCase()}://${userInfo}${host}${port}${rest}`;
  try {
    new URL(normalized);
  } catch {
    return bad('must be a URL that parses (check its characters and percent-encoding)');
  }
  return ok(normalized);
}

/** `ASN12345`: accepts `ASN12345`, `AS12345`, `ASN 12345` and `12345`, in any case. */
export function normalizeAsn(raw: string): NormalizedValue {
  const match = /^(?:ASN?\s?)?(\d{1,10})$/i.exec(raw.trim());
  const number = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(number) || number > 4_294_967_295) return bad('must be an AS number such as ASN12345 (0 to 4294967295)');
  return ok(`ASN${number}`);
}

const hash = (name: string, length: number): ValueNormalizer => (raw) => {
  const text = raw.trim();
  if (text.length !== length || !/^[0-9a-fA-F]+$/.test(text)) return bad(`must be an ${name} hash: ${length} hexadecimal digits`);
  return ok(text.toLowerCase());
};
export const normalizeMd5 = hash('MD5', 32);
export const normalizeSha1 = hash('SHA1', 40);
export const normalizeSha256 = hash('SHA256', 64);

/** Registry hives and the short names that mean them. */
export const REGISTRY_HIVES: Readonly<Record<string, string>> = {
  HKEY_CLASSES_ROOT: 'HKEY_CLASSES_ROOT', HKCR: 'HKEY_CLASSES_ROOT',
  HKEY_CURRENT_USER: 'HKEY_CURRENT_USER', HKCU: 'HKEY_CURRENT_USER',
  HKEY_LOCAL_MACHINE: 'HKEY_LOCAL_MACHINE', HKLM: 'HKEY_LOCAL_MACHINE',
  HKEY_USERS: 'HKEY_USERS', HKU: 'HKEY_USERS',
  HKEY_CURRENT_CONFIG: 'HKEY_CURRENT_CONFIG', HKCC: 'HKEY_CURRENT_CONFIG',
  HKEY_PERFORMANCE_DATA: 'HKEY_PERFORMANCE_DATA',
};

export const REGISTRY_VALUE_TYPES = [
  'REG_NONE', 'REG_SZ', 'REG_EXPAND_SZ', 'REG_BINARY', 'REG_DWORD', 'REG_DWORD_LITTLE_ENDIAN', 'REG_DWORD_BIG_ENDIAN', 'REG_LINK',
  'REG_MULTI_SZ', 'REG_RESOURCE_LIST', 'REG_FULL_RESOURCE_DESCRIPTOR', 'REG_RESOURCE_REQUIREMENTS_LIST', 'REG_QWORD', 'REG_QWORD_LITTLE_ENDIAN',
] as const;

/** A registry key path: its hive first, in full and upper case; backslashes between keys. */
export function normalizeRegistryKeyName(raw: string): NormalizedValue {
  const text = raw.trim();
  if (text.length === 0 || text.length > 1024) return bad('must be a registry key of at most 1024 characters, such as HKEY_LOCAL_MACHINE\\Software\\Example');
  if (CONTROL.test(text) || text.includes(' : ')) return bad('must be a registry key without control characters or " : "');
  const slash = text.indexOf('\\');
  const hiveText = (slash < 0 ? text : text.slice(0, slash)).toUpperCase();
  const hive = Object.hasOwn(REGISTRY_HIVES, hiveText) ? REGISTRY_HIVES[hiveText] : undefined;
  if (!hive) return bad(`must start with a registry hive (${Object.keys(REGISTRY_HIVES).filter((h) => h.startsWith('HKEY_')).join(', ')})`);
  return ok(slash < 0 ? hive : hive + text.slice(slash));
}

export function normalizeRegistryValueType(raw: string): NormalizedValue {
  const text = raw.trim().toUpperCase();
  return (REGISTRY_VALUE_TYPES as readonly string[]).includes(text) ? ok(text) : bad(`must be one of ${REGISTRY_VALUE_TYPES.join(', ')}`);
}

/** Free text: trimmed, not empty, at most `max` characters, no control characters. */
export const normalizeText = (what: string, max: number, extra?: (text: string) => string | undefined): ValueNormalizer => (raw) => {
  const text = raw.trim();
  if (text.length === 0) return bad(`must be a non-empty ${what}`);
  if (text.length > max) return bad(`must be a ${what} of at most ${max} characters`);
  if (CONTROL.test(text)) return bad(`must be a ${what} without control characters`);
  const problem = extra?.(text);
  return problem ? bad(problem) : ok(text);
};

/** The value name of a registry key: may not contain the summary separator. */
export const normalizeRegistryValueName = normalizeText('registry value name', 1024, (t) => (t.includes(' : ') ? 'must not contain " : "' : undefined));
export const normalizeMutex = normalizeText('mutex name', 500);
export const normalizeUserAgent = normalizeText('user agent string', 2000);
export const normalizeEmailSubject = normalizeText('email subject', 1000);

/** `#` followed by at least one character and no white space; `#` added when missing. */
export function normalizeHashtag(raw: string): NormalizedValue {
  const trimmed = raw.trim();
  const text = trimmed.startsWith('#') ? trimmed : `#${trimmed}`;
  if (text.length < 2 || text.length > 256) return bad('must be a hashtag such as #phishing (at most 256 characters)');
  if (/\s/.test(text) || CONTROL.test(text) || text.slice(1).includes('#')) return bad('must be one hashtag such as #phishing: no white space and no second #');
  return ok(text);
}
