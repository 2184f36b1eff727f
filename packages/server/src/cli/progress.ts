/**
 * Progress of a long import or export, on stderr: a bar (cli-progress: items/s and ETA) when
 * stderr is a terminal, otherwise plain lines a log keeps — one at the start, one every
 * CAIRN_PROGRESS_INTERVAL_MS (default 2000; 0: on every update) and one at the end.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** The total is known (or changes): the bar's length. */
  total(total: number): void;
  /** `done` items so far. */
  update(done: number): void;
  /** The end: the last line or the finished bar. */
  stop(): void;
}

const DEFAULT_INTERVAL_MS = 2000;

function intervalMs(): number {
  const raw = process.env.CAIRN_PROGRESS_INTERVAL_MS;
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_INTERVAL_MS;
}

/** A progress display for `label` (`import feed.csv`), measuring `unit` (`items`). */
export function startProgress(label: string, unit: string, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { total: () => undefined, update: () => undefined, stop: () => undefined };
  return process.stderr.isTTY ? barProgress(label, unit) : lineProgress(label, unit);
}

function barProgress(label: string, unit: string): Progress {
  const bar = new SingleBar({
    format: `${label} |{bar}| {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta_formatted}`,
    stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5,
  });
  const started = Date.now();
  const speed = (done: number) => Math.round(done / Math.max((Date.now() - started) / 1000, 0.001));
  let total = 0;
  bar.start(0, 0, { speed: 0 });
  return {
    total(value) { total = value; bar.setTotal(value); },
    update(done) { bar.update(done, { speed: speed(done) }); },
    stop() { bar.update(Math.max(total, 0), {}); bar.stop(); },
  };
}

function lineProgress(label: string, unit: string): Progress {
  const every = intervalMs();
  const started = Date.now();
  let last = started;
  let total: number | undefined;
  let done = 0;
  const line = (final: boolean) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = Math.round(done / Math.max(seconds, 0.001));
    const of = total === undefined ? '' : `/${total}`;
    const share = total ? ` (${Math.floor((done / total) * 100)}%)` : '';
    process.stderr.write(`${label}: ${done}${of} ${unit}${share}, ${rate} ${unit}/s${final ? `, done in ${seconds.toFixed(1)} s` : ''}\n`);
  };
  process.stderr.write(`${label}: started\n`);
  return {
    total(value) { total = value; },
    update(value) {
      done = value;
      const now = Date.now();
      if (now - last >= every) {
        last = now;
        line(false);
      }
    },
    stop() { line(true); },
  };
}
