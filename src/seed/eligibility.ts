/** Whether a database pair can be seeded exactly through the snapshot protocol, and if not why. Pure. */
import type { Config } from "../config";

/** Undefined when the seed may go ahead; else why the HTTP copy does it instead. */
export function whyNotSeed(config: Config, cursorsPersist: boolean): string | undefined {
  const sel = config.selection;
  if (config.aggregation.mode !== "raw") return "SOURCE_GROUP_BY aggregates, and the seed copies raw shards";
  if (sel.include || sel.exclude.length > 0) return "MEASUREMENTS or MEASUREMENTS_EXCLUDE select measurements";
  if (sel.excludedFields.length > 0) return "EXCLUDED_FIELDS leaves fields out";
  if (sel.measurementRenames.size > 0 || sel.fieldRenames.length > 0)
    return "MEASUREMENT_RENAMES or FIELD_RENAMES rename what is copied";
  if (config.start || config.end) return "BACKUP_START or BACKUP_END bound what is copied";
  if (!cursorsPersist)
    return "STATE_DIR is not writable, and a seed needs it to be completed by the next run if this one stops";
  return undefined;
}
