/** Ratios measured in one run against a target: whether they meet it and how that is printed. */

/** A bound a ratio must stay on the right side of. */
export type RatioTarget = { atLeast: number } | { atMost: number };

export function meetsTarget(ratio: number, target: RatioTarget): boolean {
  return 'atLeast' in target ? ratio >= target.atLeast : ratio <= target.atMost;
}

/** `>= 0.85` or `≤ 1.5`. */
export function describeTarget(target: RatioTarget): string {
  return 'atLeast' in target ? `>= ${target.atLeast}` : `≤ ${target.atMost}`;
}

/** `ratio <label> = 0.912 (<how>; target >= 0.85) PASS`, or `BELOW TARGET` / `ABOVE TARGET`. */
export function ratioLine(label: string, ratio: number, target: RatioTarget, how: string): string {
  const verdict = meetsTarget(ratio, target) ? 'PASS' : 'atLeast' in target ? 'BELOW TARGET' : 'ABOVE TARGET';
  return `ratio ${label} = ${ratio.toFixed(3)} (${how}; target ${describeTarget(target)}) ${verdict}`;
}
