/**
 * Pure reading of the source schema: SHOW FIELD KEYS answers become, per measurement,
 * the type of every field. A field can have two types when shards disagree; the choice made
 * is reported so the user hears of it.
 */
import type { FieldType } from "../codec/lineProtocol";
import type { Series } from "../codec/response";

export interface MeasurementSchema {
  name: string;
  fields: Map<string, FieldType>;
  /** Human-readable notes about fields whose type differs between shards. */
  conflicts: string[];
  /** Fields that are integer in some shards and float in others: copied per shard group with the type they have there. */
  mixedNumeric: string[];
}

const KNOWN: ReadonlySet<string> = new Set(["float", "integer", "unsigned", "string", "boolean"]);

export function isNumeric(type: FieldType): boolean {
  return type === "float" || type === "integer" || type === "unsigned";
}

/** Builds the schema of every measurement listed in a SHOW FIELD KEYS answer. */
export function schemaFromFieldKeys(series: Series[]): Map<string, MeasurementSchema> {
  const out = new Map<string, MeasurementSchema>();
  for (const s of series) {
    const name = s.name ?? "";
    const seen = new Map<string, FieldType[]>();
    for (const row of s.values ?? []) {
      const [key, type] = row as [string, string];
      if (!KNOWN.has(type)) continue;
      const list = seen.get(key) ?? [];
      list.push(type as FieldType);
      seen.set(key, list);
    }
    const existing: MeasurementSchema = out.get(name) ?? { name, fields: new Map(), conflicts: [], mixedNumeric: [] };
    for (const [key, types] of seen) {
      const chosen = chooseType(types);
      existing.fields.set(key, chosen);
      if (types.length > 1 && types.every(isNumeric)) {
        existing.mixedNumeric.push(key);
        existing.conflicts.push(
          `field "${key}" is ${types.join(" in some shards and ")} in others; each shard group is copied with the type it has there`,
        );
      } else if (types.length > 1) {
        existing.conflicts.push(
          `field "${key}" is ${types.join(" in some shards and ")} in others; copied as ${chosen}`,
        );
      }
    }
    out.set(name, existing);
  }
  return out;
}

/** Numeric types merge to float (it holds both); otherwise the first type listed wins. */
function chooseType(types: FieldType[]): FieldType {
  if (types.length === 1) return types[0] as FieldType;
  if (types.every(isNumeric)) return "float";
  return types[0] as FieldType;
}

/** "float:2 integer:1 string:1" for logs. */
export function describeFieldTypes(fields: ReadonlyMap<string, FieldType>): string {
  const counts = new Map<FieldType, number>();
  for (const t of fields.values()) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t}:${n}`).join(" ");
}
