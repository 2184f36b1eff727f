/**
 * `cairn request METHOD PATH`: signs a request with a stored credential (the bootstrap API user,
 * or `--as ACCESS_ID` read from the database) through @cairn/client, sends it to the configured
 * server and prints the answer's body. Exit 0 for 2xx; otherwise 1 with the status on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CairnClient, type SigningScheme } from '@cairn/client';
import { Option, type Command } from 'commander';
import type { CairnConfig } from '../config.js';
import { BOOTSTRAP_FILE } from '../core/tenancy/bootstrap.js';
import { CommandError, configFrom, withServices } from './command.js';

const SCHEMES: Readonly<Record<string, SigningScheme>> = { tc: 'threatconnect', websupport: 'websupport', contrast: 'contrast' };
/** How long to wait for the answer before giving up. */
const ANSWER_TIMEOUT_MS = 60_000;
const MAX_TARGET_LENGTH = 16_384;

interface RequestOptions { data?: string; scheme: keyof typeof SCHEMES; as?: string; url?: string }

/** A credential to sign with: access id, secret and (for the Contrast scheme) the organization's API key. */
interface SigningCredential { accessId: string; secret: string; apiKey: string | null }

export function registerRequestCommand(program: Command): void {
  program.command('request <method> <path>')
    .description('sign a request with a stored credential, send it to the server and print the answer (exit 1 unless 2xx)')
    .option('--data <json>', 'JSON body, or @file to read it from a file')
    .addOption(new Option('--scheme <scheme>', 'signing scheme').choices(Object.keys(SCHEMES)).default('tc'))
    .option('--as <accessId>', 'sign as this API user (secret read from the database) instead of the bootstrap API user')
    .option('--url <base>', 'server base URL [default http://CAIRN_HOST:CAIRN_PORT]')
    .action(async (method: string, target: string, options: RequestOptions, command: Command) => {
      if (!/^[A-Za-z]{1,16}$/.test(method)) throw new CommandError(`"${method}" is not an HTTP method.`, 'validation');
      if (!target.startsWith('/') || target.length > MAX_TARGET_LENGTH) {
        throw new CommandError(`PATH must start with "/" (e.g. /api/v2/owners) and be at most ${MAX_TARGET_LENGTH} characters.`, 'validation');
      }
      const config = configFrom(command);
      const body = options.data === undefined ? undefined : readJsonBody(options.data);
      const base = baseUrlOf(config, options.url);
      const credential = options.as === undefined ? readBootstrapCredential(config) : await readStoredCredential(command, options.as);
      const scheme = SCHEMES[options.scheme]!;
      if (scheme === 'contrast' && !credential.apiKey) throw new CommandError(`${credential.accessId}'s organization has no Contrast API key.`);
      const client = new CairnClient({
        baseUrl: base, accessId: credential.accessId, secret: credential.secret, apiKey: credential.apiKey ?? undefined, scheme,
        fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) }),
      });
      let response: Response;
      let text: string;
      try {
        response = await client.request(method.toUpperCase(), target, { body });
        text = await response.text();
      } catch (error) {
        throw new CommandError(unreachable(base, error));
      }
      if (text !== '') console.log(readable(text, response.headers.get('content-type')));
      if (!response.ok) {
        console.error(`cairn: HTTP ${response.status} ${response.statusText}`.trimEnd());
        process.exitCode = 1;
      }
    });
}

/** `--data '{…}'` or `--data @file`: checked to be JSON, sent as written. */
function readJsonBody(data: string): string {
  let text = data;
  if (data.startsWith('@')) {
    try {
      text = fs.readFileSync(data.slice(1), 'utf8');
    } catch (error) {
      throw new CommandError(`Cannot read the --data file "${data.slice(1)}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CommandError(`--data is not valid JSON: ${(error as Error).message}`, 'validation');
  }
  return text;
}

function baseUrlOf(config: CairnConfig, url: string | undefined): string {
  if (url !== undefined) {
    if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) throw new CommandError(`--url must be an http(s) URL such as http://127.0.0.1:8080; got "${url}".`, 'validation');
    return url.replace(/\/+$/, '');
  }
  // A server listening on every address is reached on loopback.
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

function readBootstrapCredential(config: CairnConfig): SigningCredential {
  const file = path.join(config.dataDir, BOOTSTRAP_FILE);
  let document: { apiUser?: { accessId?: unknown; secret?: unknown }; organization?: { contrastApiKey?: unknown } };
  try {
    document = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CommandError(`No bootstrap credentials at ${file}: start \`cairn serve\` once with this data directory, or pass --as ACCESS_ID.`, 'not-found');
    }
    throw new CommandError(`Cannot read the bootstrap credentials at ${file}: ${(error as Error).message}`);
  }
  const { accessId, secret } = document.apiUser ?? {};
  if (typeof accessId !== 'string' || typeof secret !== 'string') throw new CommandError(`${file} has no apiUser.accessId and apiUser.secret.`);
  const apiKey = document.organization?.contrastApiKey;
  return { accessId, secret, apiKey: typeof apiKey === 'string' ? apiKey : null };
}

/** An API user of this installation, its secret decrypted with the master key. */
async function readStoredCredential(command: Command, accessId: string): Promise<SigningCredential> {
  return withServices(command, async (services) => {
    const credential = accessId.length <= 256 ? await services.credentials.byUserName(accessId) : undefined;
    if (!credential || credential.principal.kind !== 'api') throw new CommandError(`No API user with access id "${accessId}".`, 'not-found');
    return { accessId, secret: credential.secret, apiKey: credential.organizationApiKey };
  });
}

/** JSON pretty-printed; anything else as it came. */
function readable(text: string, contentType: string | null): string {
  if (!/\bjson\b/i.test(contentType ?? '')) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function unreachable(base: string, error: unknown): string {
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError') return `No answer from the server at ${base} within ${ANSWER_TIMEOUT_MS / 1000} s.`;
  const reason = failure.cause?.code ?? failure.cause?.message ?? failure.message;
  return `Cannot reach the server at ${base} (${reason}); is \`cairn serve\` running there? Set --url, or CAIRN_HOST and CAIRN_PORT.`;
}
