import { cronProblem } from "../../../src/config/cronProblem";
import { parseConfig } from "../../../src/config";
import { ConfigError } from "../../../src/errors";

describe("cronProblem", () => {
  it.each([
    ["60 * * * * *", "the second field (60) is out of range 0-59"],
    ["60 * * * *", "the minute field (60) is out of range 0-59"],
    ["0 25 * * *", "the hour field (25) is out of range 0-23"],
    ["0 0 32 * *", "the day of month field (32) is out of range 1-31"],
    ["0 0 0 * *", "the day of month field (0) is out of range 1-31"],
    ["0 0 1 13 *", "the month field (13) is out of range 1-12"],
    ["0 0 * * 8", "the day of week field (8) is out of range 0-7"],
    ["0 3 * * * 9", "the day of week field (9) is out of range 0-7"],
  ])("names the field of %j that is out of range", (expression, problem) => {
    expect(cronProblem(expression)).toBe(problem);
  });

  it("finds the number out of range inside ranges, steps and lists", () => {
    expect(cronProblem("0 0-25/2 * * *")).toBe("the hour field (0-25/2) has 25, out of range 0-23");
    expect(cronProblem("0 1,2,24 * * *")).toBe("the hour field (1,2,24) has 24, out of range 0-23");
    expect(cronProblem("*/15 0 1 1-13 *")).toBe("the month field (1-13) has 13, out of range 1-12");
  });

  it("accepts names, steps, ranges, lists, 7 for Sunday and seconds", () => {
    for (const ok of [
      "0 3 * * *",
      "*/15 * * * *",
      "0 9-17/2 * * mon-fri",
      "0 0 1 jan,jul *",
      "0 0 1 JAN sun",
      "0 0 * * 7",
      "*/5 * * * * *",
      "30 0 3 * * *",
    ])
      expect([ok, cronProblem(ok)]).toEqual([ok, undefined]);
  });

  it("says what a field takes when a value is no number at all", () => {
    expect(cronProblem("0 0 1 foo *")).toMatch(
      /^the month field \(foo\) is not valid: expected numbers 1-12, names \(jan-dec\)/,
    );
    expect(cronProblem("0 0 * * monx")).toMatch(/^the day of week field \(monx\) is not valid: .*names \(sun-sat\)/);
    expect(cronProblem("0 x * * *")).toMatch(/^the hour field \(x\) is not valid: expected numbers 0-23, \*/);
  });

  it("counts the fields and names a day that never comes", () => {
    expect(cronProblem("every day")).toBe(
      "it has 2 field(s): expected 5 (minute hour day-of-month month day-of-week), or 6 with seconds first",
    );
    expect(cronProblem("0 0 31 2 *")).toBe(
      "the day of month field (31) never occurs in the month field's month(s) (2)",
    );
    expect(cronProblem("0 0 * * * ;")).toMatch(/characters a cron expression cannot/);
  });

  it("names every field that is wrong", () => {
    expect(cronProblem("0 25 * 13 *")).toBe(
      "the hour field (25) is out of range 0-23; the month field (13) is out of range 1-12",
    );
  });
});

describe("BACKUP_SCHEDULE", () => {
  it("is refused with the field that is out of range", () => {
    const env = { SOURCE_URL: "http://a:8086", DEST_URL: "http://b:8086", SOURCE_DBS: "a", DEST_DBS: "b" };
    let problems: string[] = [];
    try {
      parseConfig({ ...env, BACKUP_SCHEDULE: "0 25 * * *" });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      `BACKUP_SCHEDULE="0 25 * * *": the hour field (25) is out of range 0-23; expected a cron expression such as "0 3 * * *" (every day at 03:00), or leave it empty to run once`,
    ]);
  });
});
