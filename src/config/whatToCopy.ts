/** What to copy: database pairs, measurements and fields with their new names, and the time range. */
import { nsToRfc3339, formatDuration, parseDuration, rfc3339ToNs } from "../influx/time";
import { describeMatcher, parseSelection, type Selection } from "./selection";
import { listOf, type Get } from "./values";

export interface DatabasePair {
  source: string;
  destination: string;
}

/** A point in time given as RFC3339 (absolute) or relative to the start of each run ("-30d"). */
export type TimeBound = { absoluteNs: bigint } | { relativeNs: bigint };

export function resolveBound(bound: TimeBound, nowNs: bigint): bigint {
  return "absoluteNs" in bound ? bound.absoluteNs : nowNs + bound.relativeNs;
}

/** BACKUP_START and BACKUP_END against a run's clock: the one place the bounds are resolved. */
export function resolveRange(
  what: Pick<WhatToCopy, "start" | "end">,
  nowNs: bigint,
): { fromNs?: bigint; toNs?: bigint } {
  return {
    fromNs: what.start && resolveBound(what.start, nowNs),
    toNs: what.end && resolveBound(what.end, nowNs),
  };
}

export interface WhatToCopy {
  /** "all": every source database except _internal, same names on the destination. */
  databases: "all" | DatabasePair[];
  /** Which measurements and fields are copied, and their names on the destination. */
  selection: Selection;
  /** Lower bound of what is copied; with `end`, an explicit backfill range. */
  start?: TimeBound;
  end?: TimeBound;
}

export const WHAT_TO_COPY_VARIABLES = [
  "SOURCE_DBS",
  "DEST_DBS",
  "MEASUREMENTS",
  "MEASUREMENTS_EXCLUDE",
  "EXCLUDED_FIELDS",
  "MEASUREMENT_RENAMES",
  "FIELD_RENAMES",
  "BACKUP_START",
  "BACKUP_END",
] as const;

export function parseWhatToCopy(get: Get, problems: string[]): WhatToCopy {
  const databases = parseDatabases(get, problems);
  const selection = parseSelection(get, problems);
  const start = parseBound("BACKUP_START", get("BACKUP_START"), problems);
  const end = parseBound("BACKUP_END", get("BACKUP_END"), problems);
  if (start && end && "absoluteNs" in start && "absoluteNs" in end && start.absoluteNs >= end.absoluteNs) {
    problems.push("BACKUP_START must be before BACKUP_END");
  }
  return { databases, selection, start, end };
}

function parseDatabases(get: Get, problems: string[]): WhatToCopy["databases"] {
  const sourceDbs = get("SOURCE_DBS");
  const destDbs = get("DEST_DBS");
  if (sourceDbs === undefined) {
    problems.push("SOURCE_DBS is required: comma-separated source database names, or * for every database");
    return [];
  }
  if (sourceDbs === "*") {
    if (destDbs !== undefined && destDbs !== "*") {
      problems.push("DEST_DBS must be empty or * when SOURCE_DBS=* (databases keep their names)");
    }
    return "all";
  }
  const src = listOf("SOURCE_DBS", sourceDbs, problems);
  if (destDbs === undefined) {
    problems.push("DEST_DBS is required: one destination database for each name in SOURCE_DBS, in the same order");
    return [];
  }
  const dst = listOf("DEST_DBS", destDbs, problems);
  if (src.length !== dst.length) {
    problems.push(
      `SOURCE_DBS has ${src.length} database(s) and DEST_DBS has ${dst.length}: they pair up by position and must have the same length`,
    );
    return [];
  }
  return src.map((s, i) => ({ source: s, destination: dst[i] as string }));
}

/** RFC3339 ("2026-10-01T00:00:00Z") or relative to each run's start ("-30d", "-12h"). */
function parseBound(name: string, raw: string | undefined, problems: string[]): TimeBound | undefined {
  if (raw === undefined) return undefined;
  if (raw.startsWith("-")) {
    const ns = parseDuration(raw.slice(1));
    if (ns !== undefined) return { relativeNs: -ns };
  } else if (/^\d{4}-\d\d-\d\dT/.test(raw)) {
    try {
      return { absoluteNs: rfc3339ToNs(raw) };
    } catch {
      // reported below
    }
  }
  problems.push(
    `${name}=${JSON.stringify(raw)}: expected an RFC3339 time such as 2026-10-01T00:00:00Z, or a time relative to the run such as -30d`,
  );
  return undefined;
}

export function describeBound(b: TimeBound): string {
  return "absoluteNs" in b ? nsToRfc3339(b.absoluteNs) : `${formatDuration(-b.relativeNs)} before each run`;
}

export function describeSelection(sel: Selection): string {
  const show = (list: Selection["exclude"]) => list.map(describeMatcher).join(",");
  const parts = [sel.include ? `only ${show(sel.include)}` : "all"];
  if (sel.exclude.length) parts.push(`except ${show(sel.exclude)}`);
  if (sel.excludedFields.length)
    parts.push(`excluded fields ${sel.excludedFields.map((f) => `${f.measurement}:${f.field}`).join(",")}`);
  if (sel.measurementRenames.size)
    parts.push(`renames ${[...sel.measurementRenames].map(([a, b]) => `${a}->${b}`).join(",")}`);
  if (sel.fieldRenames.length)
    parts.push(`field renames ${sel.fieldRenames.map((r) => `${r.measurement}:${r.from}->${r.to}`).join(",")}`);
  return parts.join("; ");
}
