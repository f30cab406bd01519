import { lagOf } from "../../../src/observability/lag";
import { statusAfterRun, statusAtStart, type BackupStatus } from "../../../src/observability/status";
import { decideStatus, renderStatus } from "../../../src/observability/statusReport";
import type { RunRecord, RunSummary } from "../../../src/observability/runSummary";

const S = 1_000_000_000n;
const T0 = 1_704_067_200n * S; // 2024-01-01T00:00:00Z

describe("lagOf", () => {
  it("is 0 for a source that stopped writing and is fully copied, however old its newest point", () => {
    expect(lagOf({ sourceNewestNs: T0, copiedThroughNs: T0 + 1n })).toEqual({ newestCopiedNs: T0, lagMs: 0 });
  });
  it("is the distance from the last instant copied to the source's newest point when the copy stopped short", () => {
    const r = lagOf({ sourceNewestNs: T0 + 7200n * S, copiedThroughNs: T0 + 1n });
    expect(r).toEqual({ newestCopiedNs: T0, lagMs: 7_200_000 });
  });
});

function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    ok: true,
    aborted: false,
    databases: 1,
    measurements: 2,
    pointsRead: 10,
    pointsWritten: 10,
    nonFiniteDropped: 0,
    failures: [],
    durationMs: 1000,
    perDatabase: { telegraf: { read: 10, written: 10, nonFiniteDropped: 0 } },
    pairs: { telegraf: "telegraf_backup" },
    reached: [
      {
        database: "telegraf",
        destination: "telegraf_backup",
        measurement: "autogen.cpu",
        sourceNewestNs: T0 + 3600n * S,
        copiedThroughNs: T0 + 3601n * S,
      },
      {
        database: "telegraf",
        destination: "telegraf_backup",
        measurement: "autogen.disk",
        sourceNewestNs: T0 + 3600n * S,
        copiedThroughNs: T0 + 1n,
      },
    ],
    ...over,
  };
}
const started = new Date("2024-01-01T02:00:00Z");
const finished = new Date("2024-01-01T02:00:10Z");
const run = (over: Partial<RunRecord> = {}): RunRecord => ({
  startedAt: started,
  finishedAt: finished,
  outcome: "success",
  summary: summary(),
  ...over,
});

describe("the status after a run", () => {
  it("keeps each measurement's newest copied point and lag, the worst first, and the database's last success", () => {
    const s = statusAfterRun(undefined, run());
    expect(s.measurements.map((m) => [m.measurement, m.lagSeconds, m.newestCopied])).toEqual([
      ["autogen.disk", 3600, "2024-01-01T00:00:00Z"],
      ["autogen.cpu", 0, "2024-01-01T01:00:00Z"],
    ]);
    expect(s.databases.telegraf).toEqual({
      destination: "telegraf_backup",
      pointsRead: 10,
      pointsWritten: 10,
      lastSuccess: finished.toISOString(),
    });
    expect(s.lastSuccess).toBe(finished.toISOString());
  });

  it("keeps the last known lag of a measurement whose planning failed, and says so", () => {
    const first = statusAfterRun(undefined, run());
    const failed = run({
      outcome: "failure",
      summary: summary({
        ok: false,
        reached: [],
        failures: [{ database: "telegraf", retentionPolicy: "autogen", measurement: "cpu", message: "HTTP 503" }],
      }),
    });
    const s = statusAfterRun(first, failed);
    const cpu = s.measurements.find((m) => m.measurement === "autogen.cpu");
    expect(cpu).toMatchObject({ lagSeconds: 0, newestCopied: "2024-01-01T01:00:00Z" });
    expect(cpu?.stale).toContain("HTTP 503");
    expect(s.databases.telegraf?.lastSuccess).toBe(finished.toISOString());
    expect(s.lastRun?.outcome).toBe("failure");
  });

  it("shows the run in progress while keeping the last finished one", () => {
    const s = statusAtStart(statusAfterRun(undefined, run()), new Date("2024-01-01T03:00:00Z"));
    expect(s.currentRun).toEqual({ startedAt: "2024-01-01T03:00:00.000Z" });
    expect(s.lastRun?.outcome).toBe("success");
  });
});

describe("the status verdict", () => {
  const ok: BackupStatus = statusAfterRun(
    undefined,
    run({ summary: summary({ reached: summary().reached!.slice(0, 1) }) }),
  );

  it("is OK after a successful run with no lag above MAX_LAG", () => {
    expect(decideStatus(ok, 3_600_000)).toEqual({ ok: true, reason: "last run succeeded, no lag above MAX_LAG 1h 0m" });
  });
  it("fails when no run is recorded", () => {
    expect(decideStatus(undefined, 3_600_000)).toEqual({ ok: false, reason: "no run recorded yet" });
  });
  it("fails after a failed run, naming the failure", () => {
    const s = statusAfterRun(
      undefined,
      run({
        outcome: "failure",
        summary: summary({
          failures: [{ database: "telegraf", retentionPolicy: "autogen", measurement: "cpu", message: "HTTP 503" }],
        }),
      }),
    );
    const v = decideStatus(s, 3_600_000);
    expect(v.ok).toBe(false);
    expect(v.reason).toBe("last run failed (ended 2024-01-01T02:00:10.000Z): telegraf.autogen.cpu: HTTP 503");
  });
  it("fails when a lag exceeds MAX_LAG, naming the measurement; MAX_LAG=0 turns the check off", () => {
    const s = statusAfterRun(undefined, run());
    expect(decideStatus(s, 1_800_000)).toEqual({
      ok: false,
      reason: "lag of telegraf.autogen.disk is 1h 0m, above MAX_LAG 30m 0s",
    });
    expect(decideStatus(s, 0).ok).toBe(true);
  });
  it("fails when the next scheduled run is overdue (the service stopped or hung), not while a run is going", () => {
    const s = statusAfterRun(undefined, run({ summary: summary({ reached: [] }) }), new Date("2024-01-01T03:00:00Z"));
    const at = (iso: string) => Date.parse(iso);
    expect(decideStatus(s, 3_600_000, at("2024-01-01T03:14:00Z")).ok).toBe(true);
    expect(decideStatus(s, 3_600_000, at("2024-01-01T03:16:00Z"))).toEqual({
      ok: false,
      reason:
        "the run due at 2024-01-01T03:00:00.000Z has not started: is the service stopped or hung? (last run ended 2024-01-01T02:00:10.000Z)",
    });
    const running = statusAtStart(s, new Date("2024-01-01T03:00:01Z"));
    expect(decideStatus(running, 3_600_000, at("2024-01-01T05:00:00Z")).ok).toBe(true);
  });
  it("renders the run, each database pair and its measurements, the worst lag first, and the verdict last", () => {
    const s = statusAfterRun(undefined, run(), new Date("2024-01-01T03:00:00Z"));
    const text = renderStatus(s, decideStatus(s, 1_800_000));
    expect(text).toBe(
      [
        "last run: success, started 2024-01-01T02:00:00.000Z, ended 2024-01-01T02:00:10.000Z; read 10 points, wrote 10 points",
        "next run: 2024-01-01T03:00:00.000Z",
        "database telegraf -> telegraf_backup: read 10, wrote 10 points in the last run; last success 2024-01-01T02:00:10.000Z",
        "  autogen.disk: lag 1h 0m, newest copied 2024-01-01T00:00:00Z, source newest 2024-01-01T01:00:00Z",
        "  autogen.cpu: lag 0s, newest copied 2024-01-01T01:00:00Z, source newest 2024-01-01T01:00:00Z",
        "FAILING: lag of telegraf.autogen.disk is 1h 0m, above MAX_LAG 30m 0s",
        "",
      ].join("\n"),
    );
  });
});
