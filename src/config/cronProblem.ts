/**
 * Why a cron expression is refused, in words that name the field: "the hour field (25) is out
 * of range 0-23". Pure. node-cron decides what is valid (the schedule runs on it); this only
 * explains its verdict.
 */
import { validateDetailed } from "node-cron";

interface CronField {
  label: string;
  min: number;
  max: number;
  /** Names accepted in place of numbers, in order from `min` (month and day of week). */
  names?: string[];
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** node-cron's field keys, with what a user calls them and the values they take. */
const FIELDS: Record<string, CronField> = {
  second: { label: "second", min: 0, max: 59 },
  minute: { label: "minute", min: 0, max: 59 },
  hour: { label: "hour", min: 0, max: 23 },
  dayOfMonth: { label: "day of month", min: 1, max: 31 },
  month: { label: "month", min: 1, max: 12, names: MONTHS },
  dayOfWeek: { label: "day of week", min: 0, max: 7, names: DAYS },
};

const FIELD_ORDER = "minute hour day-of-month month day-of-week";

/** undefined when node-cron accepts `expression`; otherwise what is wrong with it. */
export function cronProblem(expression: string): string | undefined {
  const result = validateDetailed(expression);
  if (result.valid) return undefined;
  return result.errors.map((e) => explain(expression, e.field, e.value ?? "", e.message)).join("; ");
}

function explain(expression: string, key: string, value: string, message: string): string {
  const field = FIELDS[key];
  if (!field) {
    const count = expression.trim().split(/\s+/).filter(Boolean).length;
    if (/fields/.test(message)) return `it has ${count} field(s): expected 5 (${FIELD_ORDER}), or 6 with seconds first`;
    return "it holds characters a cron expression cannot (digits, names and * , - / only)";
  }
  if (/impossible/.test(message)) {
    const fields = expression.trim().split(/\s+/);
    const month = fields[fields.length - 2] ?? "";
    return `the day of month field (${value}) never occurs in the month field's month(s) (${month})`;
  }
  const wrong = outOfRange(value, field);
  if (wrong === undefined) {
    const names = field.names ? `, names (${field.names[0]}-${field.names[field.names.length - 1]})` : "";
    return `the ${field.label} field (${value}) is not valid: expected numbers ${field.min}-${field.max}${names}, * , ranges (1-5), lists (1,3) or steps (*/15)`;
  }
  const range = `out of range ${field.min}-${field.max}`;
  return wrong === value
    ? `the ${field.label} field (${value}) is ${range}`
    : `the ${field.label} field (${value}) has ${wrong}, ${range}`;
}

/** The first number of a field's value (lists, ranges, steps, names) outside the field's range. */
function outOfRange(value: string, field: CronField): string | undefined {
  for (const part of value.split(",")) {
    const [base = ""] = part.split("/");
    for (const end of base.split("-")) {
      if (!/^\d+$/.test(end)) continue; // "*", a name, or something node-cron refused for another reason
      const n = Number(end);
      if (n < field.min || n > field.max) return end;
    }
  }
  return undefined;
}
