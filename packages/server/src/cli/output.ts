/** How commands print: `--json` for scripts, aligned text tables for people. */
import type { Command } from 'commander';
import type { GlobalOptions } from './command.js';

/** Prints `json` pretty-printed under `--json`, otherwise `text`. */
export function print(command: Command, json: unknown, text: string): void {
  console.log(command.optsWithGlobals<GlobalOptions>().json ? JSON.stringify(json, null, 2) : text);
}

/** Rows as an aligned text table with a header line; `(none)` when there are none. */
export function table(rows: object[]): string {
  if (rows.length === 0) return '(none)';
  const keys = Object.keys(rows[0]!);
  const cell = (r: object, k: string) => String((r as Record<string, unknown>)[k]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r, k).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(keys), ...rows.map((r) => line(keys.map((k) => cell(r, k))))].join('\n');
}
