/**
 * The `cairn` CLI as a user runs it: the real `bin/cairn.js` in child processes. One-shot
 * commands (`runCairn`) and long-running ones (`startCairn`: serve, worker) with their output
 * captured, a wait for a log line, and a stop by signal that reports the exit code.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const CAIRN_BIN = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const execFileAsync = promisify(execFile);

export interface CommandResult { code: number; stdout: string; stderr: string }

/** Runs `cairn …args` to completion; a non-zero exit is a result, not an exception. */
export async function runCairn(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CAIRN_BIN, ...args], {
      env: { ...process.env, CAIRN_LOG_LEVEL: 'silent', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Asserts a failure: exit 1, exactly one line on stderr starting `cairn: `, no stack trace. Returns that line. */
export function oneLineFailure(result: CommandResult): string {
  assert.equal(result.code, 1, `expected exit 1; stdout: ${result.stdout}`);
  assert.doesNotMatch(result.stderr, / {4}at /, 'no stack trace');
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.match(lines[0]!, /^cairn: \S/);
  return lines[0]!;
}

/** Temporary directories removed by `removeTempDirs` (call it from an `after` hook). */
const tempDirs: string[] = [];
export function tempDir(prefix = 'cairn-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A long-running `cairn` command (serve, worker) in a child process, its stdout and stderr in `output`. */
export class CairnProcess {
  output = '';
  readonly child: ChildProcess;
  readonly #exit: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CAIRN_BIN, ...args], {
      env: { ...process.env, CAIRN_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { this.output += chunk; });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.output += chunk; });
    this.#exit = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `probe` gives a value; fails when the process exits first or after `timeoutMs`. */
  async waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (!this.running) throw new Error(`cairn exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for a log line containing `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<true> {
    return this.waitFor(`the log line "${text}"`, () => (this.output.includes(text) ? true : undefined), timeoutMs);
  }

  /** The exit code once the process has exited. */
  exited(): Promise<number | null> {
    return this.#exit;
  }

  /** Sends `signal` and returns the exit code; SIGKILL after `timeoutMs` fails the wait. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<'killed'>((resolve) => {
      timer = setTimeout(() => { this.child.kill('SIGKILL'); resolve('killed'); }, timeoutMs);
    });
    const outcome = await Promise.race([this.#exit, killed]);
    clearTimeout(timer);
    if (outcome === 'killed') throw new Error(`cairn did not exit within ${timeoutMs} ms of ${signal}:\n${this.output}`);
    return outcome;
  }
}

/** `cairn serve` on a free port over `dataDir`, waited for until it logs that it is ready (so `env` keeps the info level). */
export async function startCairnServe(dataDir: string, env: Record<string, string> = {}): Promise<{ server: CairnProcess; port: number; baseUrl: string }> {
  const port = await freePort();
  const server = new CairnProcess(['serve', '--port', String(port), '--data-dir', dataDir], env);
  try {
    await server.waitForLog('Cairn is ready');
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return { server, port, baseUrl: `http://127.0.0.1:${port}` };
}
