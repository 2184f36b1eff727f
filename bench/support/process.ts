/**
 * The processes of a benchmark: `cairn` commands in their own processes (the server measured, or
 * a one-shot command), optionally pinned to a CPU with `taskset`, free ports, and waiting for a
 * condition. Every child started here is sent SIGTERM when the benchmark exits.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');
const CAIRN_BIN = path.join(REPOSITORY_ROOT, 'packages/server/bin/cairn.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Where the server and the load generator run. With two or more CPUs, Linux and `taskset`, the
 * server gets the last CPU and this process the others, so the two do not take turns on one core.
 */
export interface CpuPinning { pinned: boolean; serverCpu: number; describe(): string }

export function cpuPinning(wanted: boolean): CpuPinning {
  const cpus = os.availableParallelism();
  const pinned = wanted && cpus >= 2 && process.platform === 'linux' && hasTaskset();
  const serverCpu = cpus - 1;
  if (pinned) execFileSync('taskset', ['-p', '-c', `0-${serverCpu - 1}`, String(process.pid)], { stdio: 'ignore' });
  return {
    pinned,
    serverCpu,
    describe: () => (pinned ? `server pinned to CPU ${serverCpu}, load generator to CPU 0-${serverCpu - 1}` : 'no CPU pinning'),
  };
}

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

/**
 * Runs `cairn …argv` in its own process (its stderr shown, its log at warn level); on `cpu`, pinned
 * there with taskset, which execs the command so the child's pid is the server's.
 */
export function startCairn(argv: string[], options: { cpu?: number; env?: Record<string, string>; nodeArgs?: string[] } = {}): ChildProcess {
  const command = [process.execPath, ...(options.nodeArgs ?? []), CAIRN_BIN, ...argv];
  const [file, ...args] = options.cpu === undefined ? command : ['taskset', '-c', String(options.cpu), ...command];
  const child = spawn(file!, args, { env: { ...process.env, CAIRN_LOG_LEVEL: 'warn', ...options.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The exit code of a child, once it has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** SIGTERM (`cairn serve` then stops gracefully) and the wait for the exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited(child);
}

/** Polls `ready` every `intervalMs` (100 ms); throws naming `what` after `seconds`. */
export async function waitFor(what: string, seconds: number, ready: () => boolean | Promise<boolean>, intervalMs = 100): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`${what} did not happen within ${seconds} s.`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the server on `port` answers `GET /healthz` with 200; fails at once if it exited. */
export async function waitForHealthy(server: ChildProcess, port: number, seconds: number): Promise<void> {
  await waitFor('The server start', seconds, () => {
    if (server.exitCode !== null) throw new Error(`cairn serve exited with ${server.exitCode}.`);
    return new Promise<boolean>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/healthz' }, (r) => { r.resume(); resolve(r.statusCode === 200); }).on('error', () => resolve(false));
    });
  });
}

/** User + system CPU seconds a process has used (utime + stime from /proc/<pid>/stat; USER_HZ 100), or undefined where /proc is not there. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15
  } catch {
    return undefined;
  }
}
