import { destinationDuration, expiresEarlier, parseRetentionRule } from "../../../src/config/retentionRule";

const DAY = 86_400_000_000_000n;

describe("DEST_RETENTION", () => {
  it("is unset by default: created policies keep the source's duration", () => {
    expect(parseRetentionRule(undefined)).toEqual({});
    expect(destinationDuration(undefined, "autogen")).toBeUndefined();
  });

  it("gives every created policy one duration, INF for ever", () => {
    const { rule } = parseRetentionRule("INF");
    expect(destinationDuration(rule, "autogen")).toBe(0n);
    expect(destinationDuration(parseRetentionRule("400d").rule, "x")).toBe(400n * DAY);
  });

  it("gives durations per policy, with * for the others", () => {
    const { rule } = parseRetentionRule("autogen:INF, rp_30d:400d, *:52w");
    expect(destinationDuration(rule, "autogen")).toBe(0n);
    expect(destinationDuration(rule, "rp_30d")).toBe(400n * DAY);
    expect(destinationDuration(rule, "other")).toBe(364n * DAY);
    expect(destinationDuration(parseRetentionRule("rp_30d:400d").rule, "other")).toBeUndefined();
  });

  it("refuses what InfluxDB would refuse, naming it", () => {
    expect(parseRetentionRule("forever").error).toMatch(/"forever" is not a duration/);
    expect(parseRetentionRule("autogen:30m").error).toMatch(/shorter than 1h/);
    expect(parseRetentionRule("a:b:c").error).toMatch(/not policy:duration/);
    expect(parseRetentionRule("INF,400d").error).toMatch(/more than one/);
  });

  it("knows when a copy expires before its source", () => {
    expect(expiresEarlier(30n * DAY, 0n)).toBe(true);
    expect(expiresEarlier(30n * DAY, 90n * DAY)).toBe(true);
    expect(expiresEarlier(0n, 30n * DAY)).toBe(false);
    expect(expiresEarlier(90n * DAY, 30n * DAY)).toBe(false);
  });
});
