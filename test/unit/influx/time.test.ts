import { formatDuration, influxqlDuration, nsToRfc3339, parseDuration, rfc3339ToNs } from "../../../src/influx/time";

describe("time", () => {
  it("parses InfluxQL durations", () => {
    expect(parseDuration("30s")).toBe(30_000_000_000n);
    expect(parseDuration("1h30m")).toBe(5_400_000_000_000n);
    expect(parseDuration("168h0m0s")).toBe(604_800_000_000_000n);
    expect(parseDuration("5")).toBeUndefined();
    expect(parseDuration("5 m")).toBeUndefined();
    expect(parseDuration("")).toBeUndefined();
  });

  it("formats durations", () => {
    expect(influxqlDuration(604_800_000_000_000n)).toBe("1w");
    expect(influxqlDuration(5_400_000_000_000n)).toBe("90m");
    expect(formatDuration(5_400_000_000_000n)).toBe("1h30m");
  });

  it("converts RFC3339 with nanoseconds exactly, both ways", () => {
    expect(rfc3339ToNs("2024-01-02T03:04:05.123456789Z")).toBe(1704164645123456789n);
    expect(rfc3339ToNs("1970-01-01T00:00:00Z")).toBe(0n);
    expect(rfc3339ToNs("1969-12-31T23:59:59.5Z")).toBe(-500_000_000n);
    expect(nsToRfc3339(1704164645123456789n)).toBe("2024-01-02T03:04:05.123456789Z");
    expect(nsToRfc3339(-500_000_000n)).toBe("1969-12-31T23:59:59.5Z");
  });
});
