/**
 * The bytes of InfluxDB's snapshot protocol (services/snapshotter, port 8088), pure: a request
 * is a mux byte 3 (said by the connection), a request-type byte, a JSON object and a newline,
 * then the request's payload; answers carry no length and end when the server hangs up.
 */

/** The snapshotter's byte on InfluxDB's TCP mux. */
export const SNAPSHOTTER_MUX = 3;
/** The first 8 bytes of a metadata backup and of a metadata update's answer. */
export const BACKUP_MAGIC = 0x59590101n;

export const RequestType = {
  ShardBackup: 0,
  MetastoreBackup: 1,
  DatabaseInfo: 3,
  MetaStoreUpdate: 6,
  ShardUpdate: 7,
} as const;
export type RequestTypeName = keyof typeof RequestType;

export interface SnapshotRequest {
  BackupDatabase?: string;
  RestoreDatabase?: string;
  BackupRetentionPolicy?: string;
  RestoreRetentionPolicy?: string;
  ShardID?: bigint;
  UploadSize?: number;
}

/** The type byte, the JSON request (Go's json.Encoder: one line) and its newline. */
export function encodeRequest(type: RequestTypeName, request: SnapshotRequest): Buffer {
  const code = RequestType[type];
  // Shard IDs are uint64: written as digits, never through a double.
  const json = JSON.stringify({ Type: code, ...request, ShardID: "@id@" }).replace(
    '"@id@"',
    (request.ShardID ?? 0n).toString(),
  );
  return Buffer.concat([Buffer.from([code]), Buffer.from(`${json}\n`, "utf8")]);
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** The metadata blob of a MetastoreBackup answer: magic, big-endian length, blob (then node info, ignored). */
export function metastoreBlob(answer: Buffer): Buffer {
  if (answer.length < 16) throw new ProtocolError(`metadata backup answer of ${answer.length} bytes is too short`);
  if (answer.readBigUInt64BE(0) !== BACKUP_MAGIC)
    throw new ProtocolError("metadata backup answer does not start with the backup magic 0x59590101");
  const length = answer.readBigUInt64BE(8);
  if (length > BigInt(answer.length - 16))
    throw new ProtocolError(`metadata backup answer is truncated: ${answer.length - 16} of ${length} bytes`);
  return answer.subarray(16, 16 + Number(length));
}

/**
 * The old -> new shard IDs a MetaStoreUpdate answers. The server answers no pairs at all when it
 * imported nothing (the database exists, or the upload could not be decoded).
 */
export function shardIdMap(answer: Buffer): Map<bigint, bigint> {
  if (answer.length < 16) throw new ProtocolError(`metadata update answer of ${answer.length} bytes is too short`);
  if (answer.readBigUInt64BE(0) !== BACKUP_MAGIC)
    throw new ProtocolError("metadata update answer does not start with the backup magic 0x59590101");
  const pairs = answer.readBigUInt64BE(8);
  if (pairs === 0n)
    throw new ProtocolError(
      "the server imported nothing (the database exists there already, or it could not decode the metadata)",
    );
  if (BigInt(answer.length - 16) !== pairs * 16n)
    throw new ProtocolError(`metadata update answer holds ${answer.length - 16} bytes for ${pairs} shard ID pair(s)`);
  const map = new Map<bigint, bigint>();
  for (let at = 16; at < answer.length; at += 16) map.set(answer.readBigUInt64BE(at), answer.readBigUInt64BE(at + 8));
  return map;
}

/** The opening of a ShardUpdate: the type byte and the new shard's ID, 8 bytes big-endian; the tar follows. */
export function shardUpdateOpening(newShardId: bigint): Buffer {
  const out = Buffer.alloc(9);
  out[0] = RequestType.ShardUpdate;
  out.writeBigUInt64BE(newShardId, 1);
  return out;
}

/** "db/rp/12/000000001-000000001.tsm" -> "newdb/rp/34/000000001-000000001.tsm"; undefined when not a shard file's path. */
export function renameShardPath(name: string, db: string, rp: string, shardId: bigint): string | undefined {
  const parts = name.split("/");
  if (parts.length < 4) return undefined;
  return [db, rp, shardId.toString(), ...parts.slice(3)].join("/");
}
