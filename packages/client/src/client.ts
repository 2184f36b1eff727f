/**
 * A small fetch-based client that signs every request in the chosen scheme. It works in Node 20+
 * and in browsers (WebCrypto); pass `hmac` to use node:crypto instead.
 */
import { contrastHeaders } from './signing/contrast.js';
import { type HmacFunction, webCryptoHmac } from './signing/hmac.js';
import { formatThreatConnectTokenAuthorization, signThreatConnect } from './signing/threatconnect.js';
import { signWebsupport } from './signing/websupport.js';

export type SigningScheme = 'threatconnect' | 'websupport' | 'contrast' | 'threatconnect-token';

export interface CairnClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080` or `https://cairn.example/api`. */
  baseUrl: string;
  /** The API user's access id (also the Websupport API key and the Contrast user name). */
  accessId: string;
  /** The API user's secret (also the Contrast service key). */
  secret: string;
  /** The organization's Contrast API key; needed only for the `contrast` scheme. */
  apiKey?: string;
  /** A TC-Token, for the `threatconnect-token` scheme. */
  token?: string;
  scheme?: SigningScheme;
  hmac?: HmacFunction;
  fetch?: typeof fetch;
  /** Unix seconds; injectable so callers can sign for a given instant. */
  now?: () => number;
}

export interface CairnRequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  scheme?: SigningScheme;
}

export class CairnClient {
  readonly #options: CairnClientOptions;

  constructor(options: CairnClientOptions) {
    this.#options = options;
  }

  /** Sends a signed request; `target` is the path (and query) relative to the base URL. */
  async request(method: string, target: string, options: CairnRequestOptions = {}): Promise<Response> {
    const url = new URL(this.#options.baseUrl.replace(/\/+$/, '') + target);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(await this.signatureHeaders(method, url, options.scheme ?? this.#options.scheme ?? 'threatconnect')),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['Content-Type'] ??= 'application/json';
    }
    return (this.#options.fetch ?? fetch)(url, { method, headers, body });
  }

  /** Sends a signed request and parses the JSON answer, whatever its status. */
  async json<T = unknown>(method: string, target: string, options?: CairnRequestOptions): Promise<{ status: number; body: T }> {
    const response = await this.request(method, target, options);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async signatureHeaders(method: string, url: URL, scheme: SigningScheme): Promise<Record<string, string>> {
    const { accessId, secret } = this.#options;
    const hmac = this.#options.hmac ?? webCryptoHmac;
    const timestamp = (this.#options.now ?? (() => Math.floor(Date.now() / 1000)))();
    switch (scheme) {
      case 'threatconnect':
        return signThreatConnect({ accessId, secret }, { pathAndQuery: url.pathname + url.search, method, timestamp }, hmac);
      case 'threatconnect-token':
        if (!this.#options.token) throw new Error('The threatconnect-token scheme needs a token.');
        return { Authorization: formatThreatConnectTokenAuthorization(this.#options.token) };
      case 'websupport':
        // Path and query: what every surface accepts (the Websupport surface also takes the bare path).
        return signWebsupport({ apiKey: accessId, secret }, { method, path: url.pathname + url.search, timestamp }, hmac);
      case 'contrast':
        if (!this.#options.apiKey) throw new Error('The contrast scheme needs the organization API key (apiKey).');
        return contrastHeaders({ userName: accessId, serviceKey: secret, apiKey: this.#options.apiKey });
    }
  }
}
