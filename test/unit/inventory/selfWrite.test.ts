import type { IdentityAnswer } from "../../../src/influx/identity";
import { judgeSelfWrite, type SelfWritePlan } from "../../../src/inventory/selfWrite";

const STARTED = 1_765_000_000_123_456_789n;
const primary: IdentityAnswer = { identity: { startedNs: STARTED, via: "/debug/vars" } };
const other: IdentityAnswer = { identity: { startedNs: STARTED + 1n, via: "/debug/vars" } };
const refused: IdentityAnswer = { unknown: "GET /debug/vars: HTTP 403; SHOW DIAGNOSTICS: requires admin privilege" };

function plan(
  reader: IdentityAnswer,
  writer: IdentityAnswer,
  reads: string[],
  writes: [string, string][],
): SelfWritePlan {
  return {
    reader: { variable: "SOURCE_URL", url: "http://127.0.0.1:8086", identity: reader },
    writer: { variable: "DEST_URL", url: "http://localhost:8086", identity: writer },
    reads,
    writes: writes.map(([database, because]) => ({ database, because })),
    fix: "set DEST_DBS to other names or DEST_URL to another server",
  };
}

describe("judgeSelfWrite", () => {
  it("refuses writing into a database it reads on the same server, naming both URLs, the proof and the fix", () => {
    const verdict = judgeSelfWrite(plan(primary, primary, ["metrics"], [["metrics", "DEST_DBS=metrics"]]));
    expect(verdict).toEqual({
      ok: false,
      message:
        "SOURCE_URL=http://127.0.0.1:8086 and DEST_URL=http://localhost:8086 are the same InfluxDB server " +
        "(both report the InfluxDB process started at 2025-12-06T05:46:40.123456789Z, in /debug/vars); " +
        "DEST_DBS=metrics would write into the database metrics it reads: set DEST_DBS to other names or DEST_URL to another server",
    });
  });

  it("knows the same server when one side answered /debug/vars and the other SHOW DIAGNOSTICS", () => {
    const diagnostics: IdentityAnswer = {
      identity: { startedNs: STARTED, pid: 1, hostname: "influxdb", via: "SHOW DIAGNOSTICS" },
    };
    const verdict = judgeSelfWrite(plan(primary, diagnostics, ["a"], [["a", "DEST_DBS=a"]]));
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.message).toMatch(/on host influxdb, in \/debug\/vars and SHOW DIAGNOSTICS\)/);
  });

  it("groups the databases of one cause: SOURCE_DBS=* writes every database into itself", () => {
    const because = "SOURCE_DBS=* (every database keeps its name)";
    const verdict = judgeSelfWrite(
      plan(
        primary,
        primary,
        ["a", "b"],
        [
          ["a", because],
          ["b", because],
          ["influxdb_backup_meta", "recording the metadata"],
        ],
      ),
    );
    expect(!verdict.ok && verdict.message).toMatch(
      /; SOURCE_DBS=\* \(every database keeps its name\) would write into the databases a, b it reads: set/,
    );
  });

  it("refuses the metadata record when the metadata database is one it reads", () => {
    const verdict = judgeSelfWrite(
      plan(
        primary,
        primary,
        ["influxdb_backup_meta"],
        [
          ["copy", "DEST_DBS=copy"],
          ["influxdb_backup_meta", "recording the source's metadata in influxdb_backup_meta"],
        ],
      ),
    );
    expect(!verdict.ok && verdict.message).toMatch(
      /; recording the source's metadata in influxdb_backup_meta would write into the database influxdb_backup_meta it reads: /,
    );
  });

  it("allows an archive into other databases of the same server, saying so", () => {
    const verdict = judgeSelfWrite(
      plan(
        primary,
        primary,
        ["metrics"],
        [
          ["metrics_backup", "DEST_DBS=metrics_backup"],
          ["influxdb_backup_meta", "metadata"],
        ],
      ),
    );
    expect(verdict).toEqual({
      ok: true,
      level: "info",
      note: expect.stringMatching(/are the same InfluxDB server .*; every database written is one it does not read$/),
    });
  });

  it("allows the same names on another server", () => {
    const verdict = judgeSelfWrite(plan(primary, other, ["metrics"], [["metrics", "DEST_DBS=metrics"]]));
    expect(verdict).toEqual({
      ok: true,
      level: "debug",
      note: expect.stringMatching(
        /are different InfluxDB servers \(started at 2025-12-06T05:46:40.123456789Z and 2025-12-06T05:46:40.12345679Z\)$/,
      ),
    });
  });

  it("tells two servers started at the same instant apart by PID or host name", () => {
    const a: IdentityAnswer = { identity: { startedNs: STARTED, pid: 7, hostname: "a", via: "SHOW DIAGNOSTICS" } };
    const b: IdentityAnswer = { identity: { startedNs: STARTED, pid: 7, hostname: "b", via: "SHOW DIAGNOSTICS" } };
    expect(judgeSelfWrite(plan(a, b, ["m"], [["m", "DEST_DBS=m"]])).ok).toBe(true);
  });

  it("refuses colliding names when a server's identity is unknown, saying what to grant", () => {
    const verdict = judgeSelfWrite(plan(primary, refused, ["metrics"], [["metrics", "DEST_DBS=metrics"]]));
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.message).toBe(
      "cannot tell whether SOURCE_URL=http://127.0.0.1:8086 and DEST_URL=http://localhost:8086 are the same InfluxDB server " +
        "(DEST_URL: GET /debug/vars: HTTP 403; SHOW DIAGNOSTICS: requires admin privilege); " +
        "if they are, DEST_DBS=metrics would write into the database metrics it reads: " +
        "let their users read /debug/vars (an admin when pprof-auth-enabled is on) or run SHOW DIAGNOSTICS (an admin), " +
        "or set DEST_DBS to other names or DEST_URL to another server",
    );
  });

  it("goes on when a server's identity is unknown but no database written is one read", () => {
    const verdict = judgeSelfWrite(plan(refused, refused, ["metrics"], [["metrics_b", "DEST_DBS=metrics_b"]]));
    expect(verdict).toEqual({
      ok: true,
      level: "info",
      note: expect.stringMatching(
        /^cannot tell whether .*; no database written is one read, so it is safe either way$/,
      ),
    });
  });
});
