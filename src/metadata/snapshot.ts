/**
 * What a backup records about its source besides the data: retention policies, continuous
 * queries, users and their grants. It is kept as points in a small database on the
 * destination (META_DB), so it survives the loss of the primary and of the backup container,
 * and never runs there (a continuous query is stored as text). Pure: building the points and
 * reading them back.
 */
import { encodeField, escapeFieldKey, seriesKey, type FieldType, type FieldValue } from "../codec/lineProtocol";
import type { Series } from "../codec/response";

/** The destination database that holds the snapshots. */
export { META_DB } from "../inventory/databases";

export interface RetentionPolicyMeta {
  /** The source database, and its copy on the backup server. */
  database: string;
  backupDatabase: string;
  name: string;
  duration: string;
  shardGroupDuration: string;
  isDefault: boolean;
}

export interface ContinuousQueryMeta {
  database: string;
  backupDatabase: string;
  name: string;
  /** CREATE CONTINUOUS QUERY … as SHOW CONTINUOUS QUERIES prints it. */
  query: string;
}

export interface UserMeta {
  name: string;
  admin: boolean;
  /** database -> READ, WRITE or ALL PRIVILEGES */
  grants: Record<string, string>;
}

export interface MetadataSnapshot {
  /** When the backup run that recorded it started. */
  timeNs: bigint;
  /** The source server, without credentials. */
  source: string;
  retentionPolicies: RetentionPolicyMeta[];
  continuousQueries: ContinuousQueryMeta[];
  /** Undefined when the source user may not list users (not an admin). */
  users?: UserMeta[];
}

function line(measurement: string, tags: Record<string, string>, fields: [string, FieldType, FieldValue][], t: bigint) {
  const encoded = fields.map(([k, type, v]) => encodeField(escapeFieldKey(k), type, v)).join(",");
  return `${seriesKey(measurement, tags)} ${encoded} ${t}`;
}

/** The snapshot as line protocol, every point at the snapshot's time. */
export function snapshotLines(s: MetadataSnapshot): string[] {
  const t = s.timeNs;
  const lines = [
    line(
      "snapshots",
      {},
      [
        ["source", "string", s.source],
        ["retention_policies", "integer", s.retentionPolicies.length],
        ["continuous_queries", "integer", s.continuousQueries.length],
        ["users", "integer", s.users === undefined ? -1 : s.users.length],
      ],
      t,
    ),
  ];
  for (const rp of s.retentionPolicies) {
    const tags = { database: rp.database, backup_database: rp.backupDatabase, name: rp.name };
    lines.push(
      line(
        "retention_policies",
        tags,
        [
          ["duration", "string", rp.duration],
          ["shard_duration", "string", rp.shardGroupDuration],
          ["default", "boolean", rp.isDefault],
        ],
        t,
      ),
    );
  }
  for (const cq of s.continuousQueries) {
    const tags = { database: cq.database, backup_database: cq.backupDatabase, name: cq.name };
    lines.push(line("continuous_queries", tags, [["query", "string", cq.query]], t));
  }
  for (const u of s.users ?? []) {
    lines.push(line("users", { name: u.name }, [["admin", "boolean", u.admin]], t));
    for (const [database, privilege] of Object.entries(u.grants)) {
      lines.push(line("grants", { user: u.name, database }, [["privilege", "string", privilege]], t));
    }
  }
  return lines;
}

/** Rows of one series as column -> value objects (tags included). */
function rows(series: Series[]): Record<string, unknown>[] {
  return series.flatMap((s) =>
    (s.values ?? []).map((row) => ({
      ...s.tags,
      ...Object.fromEntries(s.columns.map((c, i) => [c, row[i]])),
    })),
  );
}

/** A snapshot from the answers of `SELECT * FROM <measurement> WHERE time = <t> GROUP BY *`. */
export function snapshotFromRows(
  timeNs: bigint,
  source: string,
  answers: { retentionPolicies: Series[]; continuousQueries: Series[]; users: Series[]; grants: Series[] },
  usersKnown: boolean,
): MetadataSnapshot {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const grants = new Map<string, Record<string, string>>();
  for (const g of rows(answers.grants)) {
    const user = str(g.user);
    grants.set(user, { ...grants.get(user), [str(g.database)]: str(g.privilege) });
  }
  return {
    timeNs,
    source,
    retentionPolicies: rows(answers.retentionPolicies).map((r) => ({
      database: str(r.database),
      backupDatabase: str(r.backup_database),
      name: str(r.name),
      duration: str(r.duration),
      shardGroupDuration: str(r.shard_duration),
      isDefault: r.default === true,
    })),
    continuousQueries: rows(answers.continuousQueries).map((r) => ({
      database: str(r.database),
      backupDatabase: str(r.backup_database),
      name: str(r.name),
      query: str(r.query),
    })),
    users: usersKnown
      ? rows(answers.users).map((r) => ({
          name: str(r.name),
          admin: r.admin === true,
          grants: grants.get(str(r.name)) ?? {},
        }))
      : undefined,
  };
}

/**
 * A continuous query's text for another database: `ON <db>` is replaced; the `INTO` and `FROM`
 * clauses are kept as they are when they name the database themselves.
 */
export function continuousQueryFor(query: string, fromDb: string, toDb: string): string {
  if (fromDb === toDb) return query;
  const quoted = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '\\"')}"`);
  const on = ` ON ${quoted(fromDb)} BEGIN `;
  return query.includes(on) ? query.replace(on, ` ON ${quoted(toDb)} BEGIN `) : query;
}
