/** When to run: a cron expression in a time zone, or once. */
import { IANAZone } from "luxon";
import { cronProblem } from "./cronProblem";
import type { Get } from "./values";

export interface ScheduleSettings {
  /** Cron expression; undefined: run once and exit. */
  schedule?: string;
  /** IANA time zone for the schedule. */
  timezone: string;
}

export const SCHEDULE_DEFAULTS = { BACKUP_TIMEZONE: "UTC" } as const;

export const SCHEDULE_VARIABLES: readonly string[] = ["BACKUP_SCHEDULE", "BACKUP_TIMEZONE"];

export function parseSchedule(get: Get, problems: string[]): ScheduleSettings {
  const schedule = get("BACKUP_SCHEDULE");
  const problem = schedule === undefined ? undefined : cronProblem(schedule);
  if (problem) {
    problems.push(
      `BACKUP_SCHEDULE=${JSON.stringify(schedule)}: ${problem}; expected a cron expression such as "0 3 * * *" (every day at 03:00), or leave it empty to run once`,
    );
  }
  const timezone = get("BACKUP_TIMEZONE") ?? SCHEDULE_DEFAULTS.BACKUP_TIMEZONE;
  // "UTC" needs no check: asking ICU about a zone costs ~20 ms of CPU at the first call.
  if (timezone !== "UTC" && !IANAZone.isValidZone(timezone)) {
    problems.push(
      `BACKUP_TIMEZONE=${JSON.stringify(timezone)}: expected an IANA time zone such as UTC or Europe/Paris`,
    );
  }
  return { schedule, timezone };
}
