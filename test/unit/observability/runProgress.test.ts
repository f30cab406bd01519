import { RunProgress, describeRunProgress } from "../../../src/observability/runProgress";

describe("a run's progress", () => {
  it("estimates the time left from the share of measurements and windows done", () => {
    const p = new RunProgress(1);
    p.databasePlanned(4);
    p.measurementDone("db.autogen.a", 1000);
    p.windows("db.autogen.b", 5, 10);
    p.points("db.autogen.b", 500);
    // 1.5 of 4 done in 30 s: 2.5 more take 50 s.
    const s = p.snapshot(30_000);
    expect(s).toEqual({ measurementsDone: 1, measurementsTotal: 4, points: 1500, elapsedMs: 30_000, etaMs: 50_000 });
    expect(describeRunProgress(s)).toBe("measurements 1/4, 1,500 points, 50 points/s, ETA 50s");
  });

  it("counts databases not yet planned as many measurements as the average planned one", () => {
    const p = new RunProgress(3);
    p.databasePlanned(2);
    p.measurementDone("a.autogen.x", 10);
    p.measurementDone("a.autogen.y", 10);
    // 2 of an estimated 6 done in 20 s: 40 s left.
    expect(p.snapshot(20_000)).toMatchObject({ measurementsDone: 2, measurementsTotal: 6, etaMs: 40_000 });
  });

  it("has no estimate before anything is done", () => {
    const p = new RunProgress(1);
    expect(p.snapshot(5_000).etaMs).toBeUndefined();
    expect(describeRunProgress(p.snapshot(5_000))).toContain("ETA unknown");
  });
});
