/** Pure formatting of a verification result as a table and a verdict. */

export interface MeasurementVerification {
  database: string;
  retentionPolicy: string;
  measurement: string;
  series: number;
  windowsChecked: number;
  missing: number;
  mismatched: number;
  extra: number;
  /** Windows that differ, as "start .. end". */
  badWindows: string[];
  repaired?: number;
}

export function formatTable(rows: MeasurementVerification[]): string {
  const header = ["measurement", "series", "windows", "missing", "mismatches", "extra", "repaired"];
  const body = rows.map((r) => [
    `${r.database}.${r.retentionPolicy}.${r.measurement}`,
    String(r.series),
    String(r.windowsChecked),
    String(r.missing),
    String(r.mismatched),
    String(r.extra),
    r.repaired === undefined ? "-" : String(r.repaired),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ");
  return [line(header), ...body.map(line)].join("\n");
}

export function verdict(rows: MeasurementVerification[]): { ok: boolean; text: string } {
  const bad = rows.filter((r) => r.badWindows.length > 0);
  if (bad.length === 0) return { ok: true, text: `verification passed: ${rows.length} measurement(s) match` };
  return { ok: false, text: `verification FAILED: ${bad.length} of ${rows.length} measurement(s) differ` };
}
