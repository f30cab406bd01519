import { identityFromDebugVars, identityFromDiagnostics, isSameProcess } from "../../../src/influx/identity";

describe("server identity", () => {
  it("reads the start instant from the opening of /debug/vars, to the nanosecond", () => {
    const opening =
      '{\n"system": {"currentTime":"2026-12-06T01:56:59.412849679Z","started":"2026-12-06T01:56:55.388288664Z","uptime":4},\n"cmdline": ["influxd"';
    expect(identityFromDebugVars(opening)).toEqual({ startedNs: 1796522215388288664n, via: "/debug/vars" });
  });

  it("waits for the whole system section, and refuses one without a start", () => {
    expect(identityFromDebugVars('{\n"system": {"currentTime":"2026-12-06T01:56')).toBeUndefined();
    expect(() => identityFromDebugVars('{"system": {"uptime":4}}')).toThrow(/no "started" time/);
  });

  it("reads start, PID and host name from SHOW DIAGNOSTICS, times as nanosecond text or RFC3339", () => {
    const series = (started: string) => [
      { name: "network", columns: ["hostname"], values: [["e4e0e2a8548d"]] },
      { name: "system", columns: ["PID", "currentTime", "started", "uptime"], values: [[1n, "x", started, "6s"]] },
    ];
    const expected = { startedNs: 1796522215388288664n, pid: 1, hostname: "e4e0e2a8548d", via: "SHOW DIAGNOSTICS" };
    expect(identityFromDiagnostics(series("1796522215388288664"))).toEqual(expected);
    expect(identityFromDiagnostics(series("2026-12-06T01:56:55.388288664Z"))).toEqual(expected);
    expect(() => identityFromDiagnostics([])).toThrow(/no "started" time/);
  });

  it("is the same process when the start instants match and PID and host agree where known", () => {
    const a = { startedNs: 5n, via: "/debug/vars" };
    expect(isSameProcess(a, { startedNs: 5n, pid: 1, hostname: "h", via: "SHOW DIAGNOSTICS" })).toBe(true);
    expect(isSameProcess(a, { startedNs: 6n, via: "/debug/vars" })).toBe(false);
    expect(isSameProcess({ ...a, pid: 1 }, { ...a, pid: 2 })).toBe(false);
  });
});
