/** Helpers shared by the v3 suites. */
import assert from 'node:assert/strict';
import type { CairnClient } from '@cairn/client';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export interface Answer { status: number; body: Json }

/** Every v3 answer: never a 5xx, Content-Type exactly application/json, a JSON body. */
export async function call(client: CairnClient, method: string, target: string, body?: unknown): Promise<Answer> {
  const response = await client.request(method, target, body === undefined ? {} : { body });
  const text = await response.text();
  assert.ok(response.status < 500, `${method} ${target} → ${response.status} ${text.slice(0, 300)}`);
  assert.equal(response.headers.get('content-type'), 'application/json', `${method} ${target}: Content-Type`);
  return { status: response.status, body: JSON.parse(text) };
}
