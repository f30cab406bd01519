/**
 * Pure selection and renaming: which measurements and fields are copied, and under which
 * names they land on the destination. Parsed once from MEASUREMENTS, MEASUREMENTS_EXCLUDE,
 * EXCLUDED_FIELDS, MEASUREMENT_RENAMES and FIELD_RENAMES.
 */
import type { FieldType } from "../codec/lineProtocol";
import { parseItems } from "./listSyntax";

/**
 * A name, or a regular expression that matches when it finds a match anywhere in the name (as
 * FROM /re/ does); for a restore, a matcher of source names applied to backup names, through
 * the renames that turned the one into the other.
 */
export type NameMatcher =
  { name: string } | { regex: RegExp } | { matcher: NameMatcher; originalNames: ReadonlyMap<string, string> };

export interface Selection {
  /** Undefined: every measurement. */
  include?: NameMatcher[];
  exclude: NameMatcher[];
  excludedFields: { measurement: string; field: string }[];
  measurementRenames: Map<string, string>;
  fieldRenames: { measurement: string; from: string; to: string }[];
}

export const EVERY = "*";

export function matches(m: NameMatcher, name: string): boolean {
  if ("matcher" in m) return matches(m.matcher, m.originalNames.get(name) ?? name);
  return "name" in m ? m.name === name : m.regex.test(name);
}

/** How a matcher reads in logs. */
export function describeMatcher(m: NameMatcher): string {
  if ("matcher" in m) return describeMatcher(m.matcher);
  return "name" in m ? m.name : String(m.regex);
}

/**
 * The selection of a restore, which reads the backup's names and writes the source's: the
 * same filters (on the source's names), and every rename the other way round.
 */
export function reverseSelection(sel: Selection): Selection {
  const originalNames = new Map([...sel.measurementRenames].map(([from, to]) => [to, from] as const));
  const backupName = (measurement: string) =>
    measurement === EVERY ? EVERY : (sel.measurementRenames.get(measurement) ?? measurement);
  const backupField = (measurement: string, field: string) =>
    (
      sel.fieldRenames.find((r) => r.measurement === measurement && r.from === field) ??
      sel.fieldRenames.find((r) => r.measurement === EVERY && r.from === field)
    )?.to ?? field;
  const through = (m: NameMatcher): NameMatcher => ({ matcher: m, originalNames });
  return {
    ...(sel.include ? { include: sel.include.map(through) } : {}),
    exclude: sel.exclude.map(through),
    excludedFields: sel.excludedFields.map((e) => ({
      measurement: backupName(e.measurement),
      field: backupField(e.measurement, e.field),
    })),
    measurementRenames: originalNames,
    fieldRenames: sel.fieldRenames.map((r) => ({ measurement: backupName(r.measurement), from: r.to, to: r.from })),
  };
}

export function isSelected(sel: Selection, measurement: string): boolean {
  if (sel.include && !sel.include.some((m) => matches(m, measurement))) return false;
  return !sel.exclude.some((m) => matches(m, measurement));
}

export function destinationMeasurement(sel: Selection, measurement: string): string {
  return sel.measurementRenames.get(measurement) ?? measurement;
}

export interface FieldPlan {
  /** Source fields to copy, with their types. */
  fields: Map<string, FieldType>;
  /** Source field -> destination field, for the renamed ones. */
  renames: Map<string, string>;
}

/** The fields of a measurement to copy, after exclusions, and their destination names. */
export function planFields(sel: Selection, measurement: string, fields: ReadonlyMap<string, FieldType>): FieldPlan {
  const applies = (m: string) => m === EVERY || m === measurement;
  const out: FieldPlan = { fields: new Map(), renames: new Map() };
  for (const [field, type] of fields) {
    if (sel.excludedFields.some((e) => applies(e.measurement) && e.field === field)) continue;
    out.fields.set(field, type);
    // A rename for this measurement wins over one for every measurement.
    const rename =
      sel.fieldRenames.find((r) => r.measurement === measurement && r.from === field) ??
      sel.fieldRenames.find((r) => r.measurement === EVERY && r.from === field);
    if (rename) out.renames.set(field, rename.to);
  }
  return out;
}

export function emptySelection(): Selection {
  return { exclude: [], excludedFields: [], measurementRenames: new Map(), fieldRenames: [] };
}

type Get = (name: string) => string | undefined;

function matchers(name: string, raw: string, problems: string[]): NameMatcher[] {
  const { items, error } = parseItems(raw);
  if (error) problems.push(`${name}: ${error}`);
  const out: NameMatcher[] = [];
  for (const parts of items) {
    const item = parts.join(":");
    if (parts.length > 1) {
      problems.push(`${name}: "${item}" has a ":"; write \\: for a colon inside a name`);
      continue;
    }
    if (item.length >= 2 && item.startsWith("/") && item.endsWith("/")) {
      try {
        out.push({ regex: new RegExp(item.slice(1, -1)) });
      } catch (err) {
        problems.push(`${name}: ${item} is not a valid regular expression (${(err as Error).message})`);
      }
    } else {
      out.push({ name: item });
    }
  }
  return out;
}

function pairs(name: string, raw: string | undefined, size: number, shape: string, problems: string[]): string[][] {
  if (raw === undefined) return [];
  const { items, error } = parseItems(raw);
  if (error) problems.push(`${name}: ${error}`);
  const good: string[][] = [];
  for (const parts of items) {
    if (parts.length !== size || parts.some((p) => p === "")) {
      problems.push(`${name}: "${parts.join(":")}" is not ${shape}`);
    } else {
      good.push(parts);
    }
  }
  return good;
}

export function parseSelection(get: Get, problems: string[]): Selection {
  const include = get("MEASUREMENTS");
  const exclude = get("MEASUREMENTS_EXCLUDE");
  const sel = emptySelection();
  if (include !== undefined) sel.include = matchers("MEASUREMENTS", include, problems);
  if (exclude !== undefined) sel.exclude = matchers("MEASUREMENTS_EXCLUDE", exclude, problems);
  for (const [measurement, field] of pairs(
    "EXCLUDED_FIELDS",
    get("EXCLUDED_FIELDS"),
    2,
    "measurement:field",
    problems,
  )) {
    sel.excludedFields.push({ measurement: measurement as string, field: field as string });
  }
  for (const [from, to] of pairs("MEASUREMENT_RENAMES", get("MEASUREMENT_RENAMES"), 2, "old:new", problems)) {
    if (sel.measurementRenames.has(from as string)) problems.push(`MEASUREMENT_RENAMES: "${from}" is renamed twice`);
    sel.measurementRenames.set(from as string, to as string);
  }
  const targets = new Map<string, string>();
  for (const [from, to] of sel.measurementRenames) {
    const other = targets.get(to);
    if (other !== undefined) problems.push(`MEASUREMENT_RENAMES: "${other}" and "${from}" would both become "${to}"`);
    targets.set(to, from);
  }
  for (const [measurement, from, to] of pairs(
    "FIELD_RENAMES",
    get("FIELD_RENAMES"),
    3,
    "measurement:old:new",
    problems,
  )) {
    sel.fieldRenames.push({ measurement: measurement as string, from: from as string, to: to as string });
  }
  return sel;
}

/** Names listed in MEASUREMENTS (not regexes), to warn about those that do not exist. */
export function listedNames(sel: Selection): string[] {
  return (sel.include ?? []).flatMap((m) => ("name" in m ? [m.name] : []));
}
