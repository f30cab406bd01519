import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "../../../src/errors";
import { DEFAULTS, describeConfig, parseConfig } from "../../../src/config";

const base = {
  SOURCE_URL: "http://source:8086",
  SOURCE_DBS: "metrics,telegraf",
  DEST_URL: "http://dest:8086",
  DEST_DBS: "metrics_backup,telegraf_backup",
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("applies the original service's defaults", () => {
    const c = parseConfig(base);
    expect(c.aggregation).toEqual({ mode: "aggregate", bucket: "5m", bucketNs: 300_000_000_000n });
    expect(c.timeoutMs).toBe(20_000);
    expect(c.paginationNs).toBe(7n * 86_400_000_000_000n);
    expect(c.logFile).toBe(DEFAULTS.LOG_FILE);
    expect(c.logLevel).toBe("info");
    expect(c.schedule).toBeUndefined();
    expect(c.selection.include).toBeUndefined();
    expect(c.influxdbNetwork).toBe("influxdb_network");
    expect(c.databases).toEqual([
      { source: "metrics", destination: "metrics_backup" },
      { source: "telegraf", destination: "telegraf_backup" },
    ]);
  });

  it("treats empty values as unset, as an .env copied from .env-example has them", () => {
    const c = parseConfig({ ...base, SOURCE_USER: "", SOURCE_PASSWORD: " ", MEASUREMENTS: "", SOURCE_GROUP_BY: "" });
    expect(c.source.username).toBeUndefined();
    expect(c.selection.include).toBeUndefined();
    expect(c.aggregation.mode).toBe("aggregate");
  });

  it("accepts raw mode and fractional pagination days", () => {
    const c = parseConfig({ ...base, SOURCE_GROUP_BY: "raw", DAYS_OF_PAGINATION: "0.5" });
    expect(c.aggregation).toEqual({ mode: "raw" });
    expect(c.paginationNs).toBe(43_200_000_000_000n);
  });

  it("normalises composite durations to one InfluxQL unit", () => {
    const c = parseConfig({ ...base, SOURCE_GROUP_BY: "1h30m" });
    expect(c.aggregation).toEqual({ mode: "aggregate", bucket: "90m", bucketNs: 5_400_000_000_000n });
  });

  it("lists every problem at once, each naming its variable", () => {
    const problems = problemsOf({
      SOURCE_DBS: "a,b",
      DEST_URL: "ftp://x",
      DEST_DBS: "c",
      SOURCE_GROUP_BY: "5 minutes",
      TIMEOUT_CLIENT: "-1",
      DAYS_OF_PAGINATION: "abc",
      LOG_LEVEL: "LOUD",
      BACKUP_SCHEDULE: "every day",
    });
    const text = problems.join("\n");
    for (const name of [
      "SOURCE_URL",
      "DEST_URL",
      "SOURCE_DBS",
      "SOURCE_GROUP_BY",
      "TIMEOUT_CLIENT",
      "DAYS_OF_PAGINATION",
      "LOG_LEVEL",
      "BACKUP_SCHEDULE",
    ]) {
      expect(text).toContain(name);
    }
    expect(problems.length).toBeGreaterThanOrEqual(8);
  });

  it("requires DEST_DBS to pair up with SOURCE_DBS", () => {
    expect(problemsOf({ ...base, DEST_DBS: "only_one" }).join()).toMatch(/same length/);
    expect(problemsOf({ ...base, DEST_DBS: "" }).join()).toMatch(/DEST_DBS is required/);
  });

  it("lets DEST_DBS be omitted when SOURCE_DBS is *", () => {
    expect(parseConfig({ ...base, SOURCE_DBS: "*", DEST_DBS: "" }).databases).toBe("all");
    expect(problemsOf({ ...base, SOURCE_DBS: "*", DEST_DBS: "x" }).join()).toMatch(/DEST_DBS must be empty/);
  });

  it("takes credentials from the URL and never keeps them in it", () => {
    const c = parseConfig({ ...base, SOURCE_URL: "http://alice:s%40cret@source:8086" });
    expect(c.source.username).toBe("alice");
    expect(c.source.password).toBe("s@cret");
    expect(c.source.url.href).toBe("http://source:8086/");
    expect(JSON.stringify(describeConfig(c))).not.toContain("cret");
  });

  it("prefers SOURCE_USER/SOURCE_PASSWORD over URL credentials", () => {
    const c = parseConfig({ ...base, SOURCE_URL: "http://a:b@source:8086", SOURCE_USER: "u", SOURCE_PASSWORD: "p" });
    expect([c.source.username, c.source.password]).toEqual(["u", "p"]);
  });

  it("never prints a password from an unparsable URL", () => {
    const text = problemsOf({ ...base, SOURCE_URL: "http://user:topsecret@bad host:8086" }).join();
    expect(text).toContain("SOURCE_URL");
    expect(text).not.toContain("topsecret");
  });

  it("accepts 5- and 6-field cron schedules", () => {
    expect(parseConfig({ ...base, BACKUP_SCHEDULE: "0 0 * * *" }).schedule).toBe("0 0 * * *");
    expect(parseConfig({ ...base, BACKUP_SCHEDULE: "*/5 * * * * *" }).schedule).toBe("*/5 * * * * *");
  });

  it("reads MEASUREMENTS with backslash escapes", () => {
    expect(parseConfig({ ...base, MEASUREMENTS: "cpu, mem ,cpu\\,total" }).selection.include).toEqual([
      { name: "cpu" },
      { name: "mem" },
      { name: "cpu,total" },
    ]);
  });
});

describe("parseConfig: faults, secrets and TLS", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-"));

  it("has retry, lookback and late-data defaults", () => {
    const c = parseConfig(base);
    expect([c.maxRetries, c.retryBaseDelayMs, c.lookbackNs, c.lateDataHorizonNs]).toEqual([
      5,
      1000,
      0n,
      7n * 86_400_000_000_000n,
    ]);
    expect(parseConfig({ ...base, LATE_DATA_HORIZON: "0" }).lateDataHorizonNs).toBe(0n);
    expect(parseConfig({ ...base, LOOKBACK: "2h", RETRY_BASE_DELAY: "250ms" })).toMatchObject({
      lookbackNs: 7_200_000_000_000n,
      retryBaseDelayMs: 250,
    });
  });

  it("reads passwords from files, without the trailing line break", () => {
    const file = path.join(dir, "pw");
    fs.writeFileSync(file, "from-file\n");
    const c = parseConfig({ ...base, SOURCE_USER: "u", SOURCE_PASSWORD_FILE: file });
    expect(c.source.password).toBe("from-file");
    expect(JSON.stringify(describeConfig(c))).not.toContain("from-file");
  });

  it("names unreadable secret and CA files, and conflicting settings", () => {
    const text = problemsOf({
      ...base,
      SOURCE_USER: "u",
      SOURCE_PASSWORD: "p",
      SOURCE_PASSWORD_FILE: "/nonexistent/pw",
      DEST_CA_FILE: "/nonexistent/ca.pem",
      DEST_TLS_VERIFY: "maybe",
      MAX_RETRIES: "-1",
      LOOKBACK: "soon",
      LATE_DATA_HORIZON: "a week",
      DEST_RETENTION: "autogen:forever",
    }).join("\n");
    for (const name of [
      "SOURCE_PASSWORD and SOURCE_PASSWORD_FILE",
      "SOURCE_PASSWORD_FILE=",
      "DEST_CA_FILE=",
      "DEST_TLS_VERIFY",
      "MAX_RETRIES",
      "LOOKBACK",
      "LATE_DATA_HORIZON",
      'DEST_RETENTION="autogen:forever": "forever" is not a duration',
    ]) {
      expect(text).toContain(name);
    }
  });

  it("accepts a PEM CA file and TLS verification switched off", () => {
    const file = path.join(dir, "ca.pem");
    fs.writeFileSync(file, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const c = parseConfig({ ...base, SOURCE_URL: "https://s:8086", SOURCE_CA_FILE: file, DEST_TLS_VERIFY: "false" });
    expect(c.source.ca).toContain("BEGIN CERTIFICATE");
    expect(c.destination.tlsVerify).toBe(false);
    expect(c.source.tlsVerify).toBe(true);
  });
});

describe("MAX_LAG", () => {
  it("defaults to 1h, takes a duration, and 0 turns the lag check off", () => {
    expect(parseConfig(base).maxLagMs).toBe(3_600_000);
    expect(parseConfig({ ...base, MAX_LAG: "30m" }).maxLagMs).toBe(1_800_000);
    expect(parseConfig({ ...base, MAX_LAG: "0" }).maxLagMs).toBe(0);
  });
  it("names the variable when it is not a duration", () => {
    expect(problemsOf({ ...base, MAX_LAG: "soon" })).toEqual([
      'MAX_LAG="soon": expected a duration such as 1h or 30m, or 0 to disable the lag check',
    ]);
  });
});

describe("RPC addresses", () => {
  const base = { SOURCE_URL: "http://a:8086", DEST_URL: "http://b:8086", SOURCE_DBS: "x", DEST_DBS: "y" };
  it("are off unless given, and read as host:port", () => {
    expect(parseConfig(base).rpc).toEqual({});
    expect(parseConfig({ ...base, SOURCE_RPC_ADDRESS: "influxdb:8088", DEST_RPC_ADDRESS: "[::1]:9" }).rpc).toEqual({
      source: { host: "influxdb", port: 8088 },
      destination: { host: "::1", port: 9 },
    });
  });
  it("name the variable of an address without a port", () => {
    expect(() => parseConfig({ ...base, RESTORE_RPC_ADDRESS: "influxdb" })).toThrow(/RESTORE_RPC_ADDRESS="influxdb"/);
  });
});
