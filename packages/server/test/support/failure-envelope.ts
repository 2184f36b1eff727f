/** Each surface's own failure envelope, as its real clients parse it. */
import assert from 'node:assert/strict';
import type { RawResponse } from './http.js';

export type FailureSurface = 'threatconnect-v2' | 'threatconnect-v3' | 'websupport' | 'contrast' | 'taxii';

/** The surface whose envelope a failure on this path comes in. */
export function failureSurfaceOf(path: string): FailureSurface {
  if (/^\/v1(\/|$)/.test(path)) return 'websupport';
  if (/^\/Contrast(\/|$)/.test(path)) return 'contrast';
  if (/^\/taxii2(\/|$)/.test(path)) return 'taxii';
  if (/^(\/api)?\/v3(\/|$)/.test(path)) return 'threatconnect-v3';
  return 'threatconnect-v2';
}

/** v3 `errCode` per status, from the ThreatConnect v3 error table. */
const V3_ERROR_CODES: Readonly<Record<number, string>> = { 401: '0x1002', 403: '0x1003', 404: '0x1004', 405: '0x1005' };

/**
 * A failure with this status in the surface's own envelope:
 *   ThreatConnect v2 `{"status":"Failure","message":…}`, v3 `{"errCode":…,"message":…,"status":"Error"}`,
 *   Websupport `{"code":<status>,"message":…}`, Contrast `{"success":false,"messages":[…],"errors":[…]}`,
 *   TAXII 2.1 `{"title":…,"description":…,"http_status":"<status>",…}` as application/taxii+json;version=2.1.
 */
export function assertFailureEnvelope(surface: FailureSurface, response: RawResponse, status: number, label: string): void {
  assert.equal(response.status, status, `${label}: status, answered ${response.body.slice(0, 300)}`);
  const contentType = surface === 'taxii' ? /^application\/taxii\+json;version=2\.1$/ : /^application\/json\b/;
  assert.match(String(response.headers['content-type']), contentType, `${label}: Content-Type`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return assert.fail(`${label}: the body is not JSON: ${response.body.slice(0, 300)}`);
  }
  const shape = `${label}: ${surface} envelope, answered ${response.body.slice(0, 300)}`;
  switch (surface) {
    case 'threatconnect-v2':
      assert.deepEqual(Object.keys(body).sort(), ['message', 'status'], shape);
      assert.equal(body.status, 'Failure', shape);
      assert.equal(typeof body.message, 'string', shape);
      return;
    case 'threatconnect-v3':
      assert.deepEqual(Object.keys(body).sort(), ['errCode', 'message', 'status'], shape);
      assert.equal(body.status, 'Error', shape);
      assert.equal(typeof body.message, 'string', shape);
      if (V3_ERROR_CODES[status] !== undefined) assert.equal(body.errCode, V3_ERROR_CODES[status], shape);
      else assert.match(String(body.errCode), /^0x[0-9A-F]{4}$/, shape);
      return;
    case 'websupport':
      assert.equal(body.code, status, shape);
      assert.equal(typeof body.message, 'string', shape);
      return;
    case 'contrast':
      assert.equal(body.success, false, shape);
      assert.ok(Array.isArray(body.messages) && body.messages.length > 0 && body.messages.every((m) => typeof m === 'string'), shape);
      assert.ok(Array.isArray(body.errors), shape);
      return;
    case 'taxii':
      assert.equal(typeof body.title, 'string', shape);
      assert.equal(body.http_status, String(status), shape);
      assert.equal(body.status, undefined, shape);
      return;
  }
}
