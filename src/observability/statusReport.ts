/**
 * The `status` command's verdict and text, from the status file and MAX_LAG. Pure.
 * Exit 0 when the last run succeeded and no measurement lags more than MAX_LAG; 1 otherwise,
 * with the reason on one line.
 */
import { formatCountdown } from "./countdown";
import { count } from "./runSummary";
import type { BackupStatus, StatusMeasurement } from "./status";

export interface StatusVerdict {
  ok: boolean;
  /** One line: what is wrong, or that all is well. */
  reason: string;
}

/** The stable shape of `status --json` (docs/reference.md). */
export interface StatusJson extends StatusVerdict {
  maxLagSeconds: number;
  status: BackupStatus | null;
}

/** How late a scheduled run may start before `status` says the service is not running it. */
export const OVERDUE_GRACE_MS = 15 * 60_000;

/** `nowMs`: the clock, for the check that the next scheduled run has not been missed. */
export function decideStatus(status: BackupStatus | undefined, maxLagMs: number, nowMs?: number): StatusVerdict {
  const run = status?.lastRun;
  if (!status || !run) {
    const current = status?.currentRun ? ` (the first run is in progress since ${status.currentRun.startedAt})` : "";
    return { ok: false, reason: `no run recorded yet${current}` };
  }
  if (run.outcome === "failure") {
    const first = run.failures[0];
    const what = first
      ? `${[first.database, first.measurement].filter(Boolean).join(".")}: ${first.message}`
      : (run.error ?? "unknown cause");
    const more = run.failures.length > 1 ? ` (and ${run.failures.length - 1} more failure(s))` : "";
    return { ok: false, reason: `last run failed (ended ${run.finishedAt ?? "?"}): ${what}${more}` };
  }
  if (nowMs !== undefined && status.nextRun && !status.currentRun) {
    // The lag is a snapshot of the last run: a stopped or hung daemon would keep it "current".
    if (nowMs > Date.parse(status.nextRun) + OVERDUE_GRACE_MS) {
      return {
        ok: false,
        reason: `the run due at ${status.nextRun} has not started: is the service stopped or hung? (last run ended ${run.finishedAt ?? "?"})`,
      };
    }
  }
  if (maxLagMs > 0) {
    const over = status.measurements.filter((m) => m.lagSeconds * 1000 > maxLagMs);
    const worst = over.sort((a, b) => b.lagSeconds - a.lagSeconds)[0];
    if (worst) {
      const more = over.length > 1 ? ` (and ${over.length - 1} more)` : "";
      return {
        ok: false,
        reason: `lag of ${worst.database}.${worst.measurement} is ${formatCountdown(worst.lagSeconds * 1000)}, above MAX_LAG ${formatCountdown(maxLagMs)}${more}`,
      };
    }
  }
  const lagCheck = maxLagMs > 0 ? `no lag above MAX_LAG ${formatCountdown(maxLagMs)}` : "lag check off (MAX_LAG=0)";
  return {
    ok: true,
    reason: `last run ${run.outcome === "stopped" ? "stopped on request" : "succeeded"}, ${lagCheck}`,
  };
}

/** The text `status` prints: the runs, then per database pair its totals and its measurements, the worst lag first. */
export function renderStatus(status: BackupStatus | undefined, verdict: StatusVerdict): string {
  const lines: string[] = [];
  const run = status?.lastRun;
  if (run) {
    lines.push(
      `last run: ${run.outcome}, started ${run.startedAt}, ended ${run.finishedAt ?? "-"}; read ${count(run.pointsRead)} points, wrote ${count(run.pointsWritten)} points`,
    );
    if (run.error) lines.push(`  error: ${run.error}`);
    for (const f of run.failures)
      lines.push(`  failed: ${[f.database, f.measurement].filter(Boolean).join(".")}: ${f.message}`);
  }
  if (status?.currentRun) lines.push(`running now: started ${status.currentRun.startedAt}`);
  if (status?.nextRun) lines.push(`next run: ${status.nextRun}`);
  for (const [name, db] of Object.entries(status?.databases ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      `database ${name}${db.destination ? ` -> ${db.destination}` : ""}: read ${count(db.pointsRead)}, wrote ${count(db.pointsWritten)} points in the last run; last success ${db.lastSuccess ?? "never"}`,
    );
    for (const m of (status?.measurements ?? []).filter((x) => x.database === name)) lines.push(`  ${describeLag(m)}`);
  }
  lines.push(`${verdict.ok ? "OK" : "FAILING"}: ${verdict.reason}`);
  return `${lines.join("\n")}\n`;
}

function describeLag(m: StatusMeasurement): string {
  const lag = m.lagSeconds === 0 ? "0s" : formatCountdown(m.lagSeconds * 1000);
  return `${m.measurement}: lag ${lag}, newest copied ${m.newestCopied}, source newest ${m.sourceNewest}${m.stale ? ` [${m.stale}]` : ""}`;
}
