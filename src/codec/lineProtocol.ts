/**
 * Pure line protocol encoding for InfluxDB 1.x. Field types are explicit, never guessed:
 * a float 5 is written `5`, an integer 5 is written `5i`.
 */

export type FieldType = "float" | "integer" | "unsigned" | "string" | "boolean";

/** A field value as read from the server; integers beyond 2^53 arrive as bigint. */
export type FieldValue = number | bigint | string | boolean;

const MEASUREMENT_SPECIAL = /[, ]/g;
const KEY_SPECIAL = /[,= ]/g;
const FIELD_KEY_SPECIAL = /[,= "]/g;
/** Only a line feed ends a line; a carriage return inside a name is carried. */
const LINE_BREAK = /\n/;

/**
 * What InfluxDB 1.x cannot read back as written, besides line feeds and a trailing backslash
 * (which escapes the separator after it):
 * - measurement: a line whose first non-blank character is # is a comment; leading tabs and
 *   NULs are stripped; the name is unescaped twice, so a backslash before , space = or " is lost;
 * - field key: leading tabs and NULs are stripped (first field); after an odd run of backslashes
 *   the escaped , space or = that follows is bare for InfluxDB's line splitter (see below).
 * Tags are checked for the whole series key, in seriesKey.
 */
const MEASUREMENT_UNREPRESENTABLE: [RegExp, string][] = [
  [/^#/, "starts with #, which makes the line a comment"],
  [/^[\t\0]/, "starts with a tab or NUL, which InfluxDB strips"],
  [/\\[, ="]/, "has a backslash before a comma, space, equals sign or double quote, which InfluxDB drops"],
];
const FIELD_KEY_UNREPRESENTABLE: [RegExp, string][] = [
  [/^[\t\0]/, "starts with a tab or NUL, which InfluxDB strips"],
  [/(?:^|[^\\])(?:\\\\)*\\[, =]/, "has an odd number of backslashes before a comma, space or equals sign"],
];

/** Raised for names that line protocol cannot carry (a line break ends the line, and see above). */
export class UnrepresentableError extends Error {
  override readonly name = "UnrepresentableError";
}

function escapeWith(re: RegExp, s: string, limits: [RegExp, string][] = []): string {
  if (LINE_BREAK.test(s)) {
    throw new UnrepresentableError(`name ${JSON.stringify(s)} contains a line break, which line protocol cannot carry`);
  }
  if (s.endsWith("\\")) {
    throw new UnrepresentableError(`name ${JSON.stringify(s)} ends with a backslash, which line protocol cannot carry`);
  }
  for (const [limit, why] of limits) {
    if (limit.test(s)) throw new UnrepresentableError(`name ${JSON.stringify(s)} ${why}`);
  }
  re.lastIndex = 0;
  if (!re.test(s)) return s;
  return s.replace(re, (c) => `\\${c}`);
}

/** Measurement names escape commas and spaces. */
export function escapeMeasurement(name: string): string {
  return escapeWith(MEASUREMENT_SPECIAL, name, MEASUREMENT_UNREPRESENTABLE);
}

/** Tag keys and tag values escape commas, equals signs and spaces. */
export function escapeKey(key: string): string {
  return escapeWith(KEY_SPECIAL, key);
}

/**
 * Field keys escape commas, equals signs, spaces and double quotes: InfluxDB unescapes \" in
 * field keys (not in tags), so a backslash before a quote survives only as \\".
 */
export function escapeFieldKey(key: string): string {
  return escapeWith(FIELD_KEY_SPECIAL, key, FIELD_KEY_UNREPRESENTABLE);
}

/** String field values are double-quoted; backslashes and double quotes are escaped. */
export function quoteFieldString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Whether InfluxDB's line splitter reads an encoded series key as a series key. The splitter is
 * simpler than the parser: a backslash escapes the next byte, the first bare space starts the
 * fields, after which bare = and , are counted and a double quote opens or closes a string when
 * there are more = than ,. A tag with an odd run of backslashes before a space leaves a bare
 * space in the key, so counting starts early; unless the key then ends unquoted with as many =
 * as , (as if counting had not started), a string value with a line feed splits the line or a
 * quote joins it to the next one.
 */
function splitterReadsAsKey(key: string): boolean {
  let fields = false;
  let quoted = false;
  let equals = 0;
  let commas = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === " ") fields = true;
    if (!fields) continue;
    if (!quoted && c === "=") equals++;
    else if (!quoted && c === ",") commas++;
    else if (c === '"' && equals > commas) quoted = !quoted;
  }
  return !fields || (!quoted && equals === commas);
}

/**
 * The series part of a line: measurement and tags sorted by key. Tags with an empty value
 * mean "this series has no such tag" (GROUP BY * reports them that way) and are left out.
 * A tag value with a NUL is refused: GROUP BY * joins tag values with NULs to tell series
 * apart, so two series can arrive merged under the tags of one (a=NUL and b=NUL do).
 */
export function seriesKey(measurement: string, tags: Record<string, string> | undefined): string {
  let key = escapeMeasurement(measurement);
  if (!tags) return key;
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v === undefined || v === "") continue;
    if (v.includes("\0")) {
      throw new UnrepresentableError(
        `tag value ${JSON.stringify(v)} contains a NUL, which GROUP BY * cannot tell apart`,
      );
    }
    key += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  if (!splitterReadsAsKey(key)) {
    throw new UnrepresentableError(
      `series ${JSON.stringify(key)} has a backslash before a space in a tag, which InfluxDB would split or join lines at`,
    );
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
