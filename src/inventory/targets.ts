/**
 * What a database pair holds to copy: its retention policies with data, and in each the
 * measurements in scope with the fields to copy and their destination names. Shared by the
 * backup, the dry run and verification, so all three see the same plan.
 */
import type { Config, DatabasePair } from "../config";
import type { InfluxClient } from "../influx/client";
import { showFieldKeys, showRetentionPolicies } from "../influx/influxql";
import { destinationMeasurement, isSelected, listedNames, planFields } from "../config/selection";
import { parseDuration } from "../influx/time";
import { schemaFromFieldKeys, type MeasurementSchema } from "./schema";

export interface RetentionPolicyInfo {
  name: string;
  duration: string;
  shardGroupDuration: string;
  isDefault: boolean;
}

export interface MeasurementTarget {
  sourceDb: string;
  destDb: string;
  rp: string;
  /** The retention policy's shard group duration (0 when unknown). */
  shardGroupNs: bigint;
  /** Source name, the fields to copy (after exclusions) and their types. */
  schema: MeasurementSchema;
  destMeasurement: string;
  /** Source field -> destination field, for renamed fields. */
  fieldRenames: ReadonlyMap<string, string>;
  /**
   * Raw windows are read one row a point, tags as columns, instead of one answer per series
   * (GROUP BY *): set for high cardinality, where it halves what the source spends (rawWindowRows).
   */
  readsRows?: boolean;
  /** Watch the times of the rows read against this clock (a first copy planned from shard groups, see planCopy.ts). */
  watchClockNs?: bigint;
}

export interface DatabasePlan {
  retentionPolicies: RetentionPolicyInfo[];
  targets: { rp: RetentionPolicyInfo; target: MeasurementTarget }[];
  /** Names listed in MEASUREMENTS that hold no data in this database. */
  missing: string[];
  /** Notes for the log: type conflicts, renames that collide. */
  warnings: string[];
}

export async function retentionPolicies(
  client: InfluxClient,
  db: string,
  signal?: AbortSignal,
): Promise<RetentionPolicyInfo[]> {
  const series = await client.query(showRetentionPolicies(db), { db, signal });
  const s = series[0];
  if (!s) return [];
  const col = (name: string) => s.columns.indexOf(name);
  return (s.values ?? []).map((row) => ({
    name: String(row[col("name")]),
    duration: String(row[col("duration")]),
    shardGroupDuration: String(row[col("shardGroupDuration")]),
    isDefault: row[col("default")] === true,
  }));
}

export async function planDatabase(
  source: InfluxClient,
  config: Config,
  pair: DatabasePair,
  signal?: AbortSignal,
): Promise<DatabasePlan> {
  const plan: DatabasePlan = { retentionPolicies: [], targets: [], missing: [], warnings: [] };
  const found = new Set<string>();
  for (const rp of await retentionPolicies(source, pair.source, signal)) {
    const schemas = schemaFromFieldKeys(
      await source.query(showFieldKeys(pair.source, rp.name), { db: pair.source, signal }),
    );
    let any = false;
    for (const schema of schemas.values()) {
      if (!isSelected(config.selection, schema.name)) continue;
      found.add(schema.name);
      const where = `${pair.source}.${rp.name}.${schema.name}`;
      const fields = planFields(config.selection, schema.name, schema.fields);
      if (fields.fields.size === 0) {
        plan.warnings.push(`${where}: every field is excluded by EXCLUDED_FIELDS; nothing to copy`);
        continue;
      }
      const destNames = [...fields.fields.keys()].map((f) => fields.renames.get(f) ?? f);
      const clash = destNames.find((n, i) => destNames.indexOf(n) !== i);
      if (clash !== undefined)
        plan.warnings.push(`${where}: FIELD_RENAMES make two fields "${clash}"; their values overwrite each other`);
      for (const c of schema.conflicts) plan.warnings.push(`${where}: ${c}`);
      any = true;
      plan.targets.push({
        rp,
        target: {
          sourceDb: pair.source,
          destDb: pair.destination,
          rp: rp.name,
          shardGroupNs: parseDuration(rp.shardGroupDuration) ?? 0n,
          schema: { ...schema, fields: fields.fields },
          destMeasurement: destinationMeasurement(config.selection, schema.name),
          fieldRenames: fields.renames,
        },
      });
    }
    if (any) plan.retentionPolicies.push(rp);
  }
  plan.missing = listedNames(config.selection).filter((n) => !found.has(n));
  return plan;
}
