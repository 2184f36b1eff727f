/**
 * Every ```sh block of the repository's README.md runs as written, in order, with bash (`-e -o
 * pipefail`: any failing command fails the block) against a real `cairn serve` child process on
 * a free port. The shell's directory is a temporary one where `./data` is the server's data
 * directory and `npx cairn` finds this checkout's CLI; `CAIRN_PORT` and `CAIRN_DATA_DIR` are set.
 * A block marked `<!-- not run: why -->` on the line above is not run (the reasons are listed);
 * nothing else is left out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT, removeTempDirs, startCairnServe, tempDir, type CairnProcess } from '../support/cli.js';

const execFileAsync = promisify(execFile);
const README = path.join(REPOSITORY_ROOT, 'README.md');

interface ShellBlock { line: number; script: string; notRun?: string }

/** The ```sh blocks of a Markdown text, each with the reason from a `<!-- not run: … -->` line just above it. */
function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    assert.ok(end > i, `the block at README.md:${i + 1} is not closed`);
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const marker = /^<!--\s*not run:\s*(.+?)\s*-->$/.exec(lines[above]?.trim() ?? '');
    blocks.push({ line: i + 1, script: lines.slice(i + 1, end).join('\n'), notRun: marker?.[1] });
    i = end;
  }
  return blocks;
}

const blocks = shellBlocks(fs.readFileSync(README, 'utf8'));

describe('README.md shell examples', { concurrency: false }, () => {
  let server: CairnProcess | undefined;
  let workDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    workDir = tempDir('cairn-readme-');
    const dataDir = path.join(workDir, 'data');
    // `npx cairn` resolves the workspace's bin from node_modules, as it does in the repository.
    fs.symlinkSync(path.join(REPOSITORY_ROOT, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
    const started = await startCairnServe(dataDir);
    server = started.server;
    env = {
      ...process.env,
      CAIRN_PORT: String(started.port),
      CAIRN_DATA_DIR: dataDir,
      CAIRN_LOG_LEVEL: 'warn',
      // npx must use this checkout's CLI and never reach for the registry.
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
    };
  });
  after(async () => {
    await server?.stop();
    removeTempDirs();
  });

  test('the README has shell examples, and every block left out says why', (t) => {
    assert.ok(blocks.length >= 5, `found ${blocks.length} sh blocks`);
    assert.ok(blocks.filter((b) => !b.notRun).length >= 4, 'most examples run');
    assert.match(blocks[0]!.script, /^npm ci && npm start\b.*\nnpm ci && npm test\b/, 'the first screen keeps its two commands');
    for (const block of blocks.filter((b) => b.notRun)) t.diagnostic(`not run: README.md:${block.line}: ${block.notRun}`);
  });

  for (const block of blocks.filter((b) => !b.notRun)) {
    test(`README.md:${block.line}: ${block.script.split('\n').find((l) => !l.startsWith('#'))!.replace(/\s+#.*$/, '').slice(0, 70)}`, async () => {
      try {
        await execFileAsync('bash', ['-e', '-o', 'pipefail', '-c', block.script], { cwd: workDir, env, timeout: 180_000 });
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        assert.fail(`the block at README.md:${block.line} failed (exit ${e.code}):\n${block.script}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`);
      }
    });
  }
});
