/** Plain HTTP helpers for tests that must send exactly the bytes a given client sends. */
import crypto from 'node:crypto';
import http from 'node:http';

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

/** Sends a request with the target written verbatim on the request line (no URL normalisation). */
export function rawRequest(baseUrl: string, method: string, target: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path: target, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function tcHeaders(accessId: string, secret: string, method: string, target: string, timestamp = nowSeconds()): Record<string, string> {
  const signature = crypto.createHmac('sha256', secret).update(`${target}:${method}:${timestamp}`).digest('base64');
  return { Timestamp: String(timestamp), Authorization: `TC ${accessId}:${signature}` };
}

export function websupportHeaders(apiKey: string, secret: string, method: string, path: string, timestamp = nowSeconds(), date?: string): Record<string, string> {
  const signature = crypto.createHmac('sha1', secret).update(`${method} ${path} ${timestamp}`).digest('hex');
  return {
    Authorization: `Basic ${Buffer.from(`${apiKey}:${signature}`).toString('base64')}`,
    Date: date ?? new Date(timestamp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, ''),
  };
}

export function contrastHeaders(user: string, key: string, apiKey: string): Record<string, string> {
  return { Authorization: Buffer.from(`${user}:${key}`).toString('base64'), 'API-Key': apiKey };
}
