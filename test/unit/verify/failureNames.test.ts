import { CursorStore, cursorKey } from "../../../src/copy/cursors";
import { intendedDatabases } from "../../../src/inventory/databases";
import { parseConfig } from "../../../src/config";
import type { InfluxClient } from "../../../src/influx/client";
import { verifyFailures, type VerifyResult } from "../../../src/verify/verify";

const env = { SOURCE_URL: "http://src:8086", DEST_URL: "http://dst:8086" };
const source = { options: { url: new URL("http://src:8086") } } as unknown as InfluxClient;

describe("a failure before the source lists its databases", () => {
  it("names the databases of SOURCE_DBS", () => {
    const config = parseConfig({ ...env, SOURCE_DBS: "telegraf,app", DEST_DBS: "t,a" });
    expect(intendedDatabases(config, source, new CursorStore())).toEqual(["telegraf", "app"]);
  });

  it("with SOURCE_DBS=*, names the databases earlier runs copied from this source, else says every database", () => {
    const config = parseConfig({ ...env, SOURCE_DBS: "*" });
    const cursors = new CursorStore();
    expect(intendedDatabases(config, source, cursors)).toEqual(["every source database (SOURCE_DBS=*)"]);
    const key = (src: string, db: string, m: string) =>
      cursorKey({
        source: src,
        sourceDb: db,
        destination: "http://dst:8086/",
        destDb: db,
        rp: "autogen",
        measurement: m,
      });
    for (const [src, db, m] of [
      ["http://src:8086/", "telegraf", "cpu"],
      ["http://src:8086/", "telegraf", "mem"],
      ["http://src:8086/", "app", "req"],
      ["http://other:8086/", "elsewhere", "x"],
    ] as const)
      cursors.set(key(src, db, m), { resumeNs: 1n });
    expect(intendedDatabases(config, source, cursors)).toEqual(["app", "telegraf"]);
  });
});

describe("verifyFailures", () => {
  it("names each measurement that differs and each database that could not be checked", () => {
    const row = { series: 1, windowsChecked: 2, missing: 1, mismatched: 0, extra: 0 };
    const result: VerifyResult = {
      ok: false,
      mismatchedWindows: 1,
      measurements: [
        { ...row, database: "telegraf", retentionPolicy: "autogen", measurement: "cpu", badWindows: ["a .. b"] },
        { ...row, database: "telegraf", retentionPolicy: "autogen", measurement: "mem", badWindows: [] },
      ],
      errors: [{ database: "app", message: 'database "app" does not exist' }],
    };
    expect(verifyFailures(result)).toEqual([
      {
        database: "telegraf",
        retentionPolicy: "autogen",
        measurement: "cpu",
        message: "verification found 1 window(s) that differ",
      },
      { database: "app", message: 'verification could not check it: database "app" does not exist' },
    ]);
  });
});
