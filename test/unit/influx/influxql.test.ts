import {
  aggregateWindow,
  createRetentionPolicy,
  edgePoint,
  quoteIdent,
  quoteString,
  rawWindow,
} from "../../../src/influx/influxql";

describe("InfluxQL building", () => {
  it("quotes identifiers so that any name is just a name", () => {
    expect(quoteIdent("cpu")).toBe('"cpu"');
    expect(quoteIdent('x"; DROP DATABASE "y')).toBe('"x\\"; DROP DATABASE \\"y"');
    expect(quoteIdent("a\\b")).toBe('"a\\\\b"');
    expect(quoteIdent("héllo wörld,=")).toBe('"héllo wörld,="');
  });

  it("quotes string literals", () => {
    expect(quoteString("it's")).toBe("'it\\'s'");
  });

  it("builds a raw window query with fields named explicitly and tags grouped", () => {
    expect(rawWindow("db", "rp", "m", ["a", "b c"], 10n, 20n)).toBe(
      'SELECT "a"::field, "b c"::field FROM "db"."rp"."m" WHERE time >= 10 AND time < 20 GROUP BY *',
    );
  });

  it("builds aggregate queries aliased to the field names, without empty buckets", () => {
    expect(aggregateWindow("mean", "db", "autogen", "cpu", ["usage"], "5m", 0n, 300000000000n)).toBe(
      'SELECT mean("usage") AS "usage" FROM "db"."autogen"."cpu" WHERE time >= 0 AND time < 300000000000 GROUP BY time(5m), * fill(none)',
    );
  });

  it("finds the oldest and newest point", () => {
    expect(edgePoint("d", "r", "m", "asc")).toBe('SELECT * FROM "d"."r"."m" LIMIT 1');
    expect(edgePoint("d", "r", "m", "desc")).toBe('SELECT * FROM "d"."r"."m" ORDER BY time DESC LIMIT 1');
  });

  it("creates retention policies like the source's", () => {
    expect(
      createRetentionPolicy("db", {
        name: "one year",
        duration: "8760h0m0s",
        shardGroupDuration: "168h0m0s",
        isDefault: true,
      }),
    ).toBe('CREATE RETENTION POLICY "one year" ON "db" DURATION 365d REPLICATION 1 SHARD DURATION 1w DEFAULT');
    expect(
      createRetentionPolicy("db", { name: "forever", duration: "0s", shardGroupDuration: "24h0m0s", isDefault: false }),
    ).toBe('CREATE RETENTION POLICY "forever" ON "db" DURATION INF REPLICATION 1 SHARD DURATION 1d');
  });

  it("creates a retention policy with another duration, leaving its shard duration to the server", () => {
    const rp = { name: "rp_30d", duration: "720h0m0s", shardGroupDuration: "24h0m0s", isDefault: true };
    expect(createRetentionPolicy("db", rp, 0n)).toBe(
      'CREATE RETENTION POLICY "rp_30d" ON "db" DURATION INF REPLICATION 1 DEFAULT',
    );
    expect(createRetentionPolicy("db", rp, 400n * 86_400_000_000_000n)).toBe(
      'CREATE RETENTION POLICY "rp_30d" ON "db" DURATION 400d REPLICATION 1 DEFAULT',
    );
  });
});
