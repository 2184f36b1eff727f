/** The server's version, read once at start from packages/server/package.json. */
import { readFileSync } from 'node:fs';

export const CAIRN_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
