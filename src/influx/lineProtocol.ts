/**
 * Pure line protocol encoding for InfluxDB 1.x. Field types are explicit, never guessed:
 * a float 5 is written `5`, an integer 5 is written `5i`.
 */

export type FieldType = "float" | "integer" | "unsigned" | "string" | "boolean";

/** A field value as read from the server; integers beyond 2^53 arrive as bigint. */
export type FieldValue = number | bigint | string | boolean;

const MEASUREMENT_SPECIAL = /[, ]/g;
const KEY_SPECIAL = /[,= ]/g;
const LINE_BREAK = /[\n\r]/;

/** Raised for names that line protocol cannot carry (a line break ends the line). */
export class UnrepresentableError extends Error {
  override readonly name = "UnrepresentableError";
}

function escapeWith(re: RegExp, s: string): string {
  if (LINE_BREAK.test(s)) {
    throw new UnrepresentableError(`name ${JSON.stringify(s)} contains a line break, which line protocol cannot carry`);
  }
  re.lastIndex = 0;
  if (!re.test(s)) return s;
  return s.replace(re, (c) => `\\${c}`);
}

/** Measurement names escape commas and spaces. */
export function escapeMeasurement(name: string): string {
  return escapeWith(MEASUREMENT_SPECIAL, name);
}

/** Tag keys, tag values and field keys escape commas, equals signs and spaces. */
export function escapeKey(key: string): string {
  return escapeWith(KEY_SPECIAL, key);
}

/** String field values are double-quoted; backslashes and double quotes are escaped. */
export function quoteFieldString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The series part of a line: measurement and tags sorted by key. Tags with an empty value
 * mean "this series has no such tag" (GROUP BY * reports them that way) and are left out.
 */
export function seriesKey(measurement: string, tags: Record<string, string> | undefined): string {
  let key = escapeMeasurement(measurement);
  if (!tags) return key;
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v === undefined || v === "") continue;
    key += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return key;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Integer text for line protocol (without the `i`), rounding a non-integral number half away from zero. */
export function formatInteger(value: number | bigint): string | undefined {
  if (typeof value === "bigint") return value.toString();
  if (!Number.isFinite(value)) return undefined;
  const rounded = value < 0 ? -Math.round(-value) : Math.round(value);
  if (Number.isSafeInteger(rounded)) return String(rounded);
  let big = BigInt(rounded);
  if (big > INT64_MAX) big = INT64_MAX;
  if (big < INT64_MIN) big = INT64_MIN;
  return big.toString();
}

/**
 * One field as `key=value`, or undefined when the value cannot be written (NaN or ±Infinity,
 * or a value whose JSON type does not match the field's type).
 */
export function encodeField(escapedKey: string, type: FieldType, value: FieldValue): string | undefined {
  switch (type) {
    case "float": {
      const n = typeof value === "bigint" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) return undefined;
      return `${escapedKey}=${n}`;
    }
    case "integer": {
      if (typeof value !== "number" && typeof value !== "bigint") return undefined;
      const text = formatInteger(value);
      return text === undefined ? undefined : `${escapedKey}=${text}i`;
    }
    case "unsigned": {
      if (typeof value !== "number" && typeof value !== "bigint") return undefined;
      const text = formatInteger(value);
      return text === undefined || text.startsWith("-") ? undefined : `${escapedKey}=${text}u`;
    }
    case "string":
      return typeof value === "string" ? `${escapedKey}=${quoteFieldString(value)}` : undefined;
    case "boolean":
      return typeof value === "boolean" ? `${escapedKey}=${value}` : undefined;
  }
}
