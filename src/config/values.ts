/** Small parsers shared by the parts of the configuration; each adds what is wrong to `problems`. */
// Zod's version 3 API, which the zod package keeps at "zod/v3": it loads in about a fifth of the
// time of the version 4 API (16 ms of CPU against 90 ms here), paid by every one-shot run, and
// these few number checks need nothing newer.
import { z } from "zod/v3";
import { parseList } from "./listSyntax";

export type Env = Record<string, string | undefined>;

/** A variable's trimmed value; empty counts as unset, as in an .env copied from .env-example. */
export type Get = (name: string) => string | undefined;

export function reader(env: Env): Get {
  return (name) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
}

export const positiveNumber = z.coerce.number().finite().positive();

/** An integer from min to max. */
export function wholeNumber(min: number, max: number): z.ZodType<number> {
  return z.coerce.number().int().min(min).max(max);
}

/** The value if the schema accepts it, else a problem "NAME=value: expected". */
export function check<T>(
  name: string,
  schema: z.ZodType<T>,
  raw: string,
  expected: string,
  problems: string[],
): T | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  problems.push(`${name}=${JSON.stringify(raw)}: ${expected}`);
  return undefined;
}

export function parseBool(name: string, raw: string, problems: string[]): boolean {
  const v = raw.toLowerCase();
  if (["true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
  return false;
}

/** A comma-separated list of names (backslash escapes), at least one. */
export function listOf(name: string, raw: string, problems: string[]): string[] {
  const { items, error } = parseList(raw);
  if (error) problems.push(`${name}: ${error} (a backslash makes the next character literal)`);
  else if (items.length === 0) problems.push(`${name} lists no names`);
  return items;
}
