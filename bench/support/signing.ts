/**
 * Signed requests for the benchmarks: the bootstrap API user read from a data directory, and
 * ThreatConnect HMAC headers built with @cairn/client's canonical string (signed synchronously
 * with node:crypto, so signing adds no promise to a timed request).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatThreatConnectAuthorization, threatConnectCanonical } from '@cairn/client';

export interface BootstrapCredentials { organization: { id: number }; apiUser: { id: number; accessId: string; secret: string } }

export const bootstrapFile = (dataDir: string) => path.join(dataDir, 'bootstrap-credentials.json');

export function readBootstrapCredentials(dataDir: string): BootstrapCredentials {
  return JSON.parse(fs.readFileSync(bootstrapFile(dataDir), 'utf8')) as BootstrapCredentials;
}

/** `Timestamp` and `Authorization: TC …` for `method pathAndQuery`, signed now. */
export function threatConnectHeaders(apiUser: { accessId: string; secret: string }, pathAndQuery: string, method = 'GET'): { Timestamp: string; Authorization: string } {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = crypto.createHmac('sha256', apiUser.secret).update(threatConnectCanonical({ pathAndQuery, method, timestamp })).digest('base64');
  return { Timestamp: String(timestamp), Authorization: formatThreatConnectAuthorization(apiUser.accessId, signature) };
}
