/** Left-aligned columns separated by three spaces, as docker's tables are. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** "5 seconds ago", "3 minutes ago", as docker words it. */
export function ago(epochSeconds: number, nowMs: number): string {
  const s = Math.max(0, Math.round(nowMs / 1000 - epochSeconds));
  const units: [number, string][] = [
    [86400 * 365, 'year'],
    [86400 * 30, 'month'],
    [86400 * 7, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(s / size);
    if (n >= 1) return n === 1 ? `${name === 'hour' ? 'an' : 'a'} ${name} ago` : `${n} ${name}s ago`;
  }
  return s <= 1 ? 'Less than a second ago' : `${s} seconds ago`;
}
