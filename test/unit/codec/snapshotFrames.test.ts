import {
  BACKUP_MAGIC,
  ProtocolError,
  encodeRequest,
  metastoreBlob,
  renameShardPath,
  shardIdMap,
  shardUpdateOpening,
} from "../../../src/codec/snapshotFrames";

const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

describe("the snapshot protocol's bytes", () => {
  it("writes the type byte, then the request as one JSON line, shard IDs as exact digits", () => {
    const bytes = encodeRequest("ShardBackup", { ShardID: 18446744073709551615n });
    expect(bytes[0]).toBe(0);
    const text = bytes.subarray(1).toString();
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('"ShardID":18446744073709551615');
    expect(text).toContain('"Type":0');
  });

  it("names both databases and the upload's size in a metadata update", () => {
    const bytes = encodeRequest("MetaStoreUpdate", { BackupDatabase: "a", RestoreDatabase: "b", UploadSize: 42 });
    expect(bytes[0]).toBe(6);
    expect(JSON.parse(bytes.subarray(1).toString())).toMatchObject({
      Type: 6,
      BackupDatabase: "a",
      RestoreDatabase: "b",
      UploadSize: 42,
    });
  });

  it("takes the metadata blob out of a metastore backup and ignores the node information after it", () => {
    const blob = Buffer.from("protobuf");
    const answer = Buffer.concat([u64(BACKUP_MAGIC), u64(BigInt(blob.length)), blob, u64(2n), Buffer.from("{}")]);
    expect(metastoreBlob(answer).toString()).toBe("protobuf");
  });

  it("refuses a metastore backup without the magic or shorter than its length says", () => {
    expect(() => metastoreBlob(Buffer.concat([u64(1n), u64(0n)]))).toThrow(ProtocolError);
    expect(() => metastoreBlob(Buffer.concat([u64(BACKUP_MAGIC), u64(100n), Buffer.alloc(10)]))).toThrow(/truncated/);
  });

  it("reads the old -> new shard ID pairs of a metadata update", () => {
    const answer = Buffer.concat([u64(BACKUP_MAGIC), u64(2n), u64(1n), u64(7n), u64(2n), u64(8n)]);
    expect([...shardIdMap(answer)]).toEqual([
      [1n, 7n],
      [2n, 8n],
    ]);
  });

  it("says that no pairs means nothing was imported (the database exists already)", () => {
    expect(() => shardIdMap(Buffer.concat([u64(BACKUP_MAGIC), u64(0n)]))).toThrow(/exists there already/);
  });

  it("opens a shard update with type 7 and the new shard ID, 8 bytes big-endian", () => {
    expect([...shardUpdateOpening(258n)]).toEqual([7, 0, 0, 0, 0, 0, 0, 1, 2]);
  });

  it("moves a shard file's path under the new database, retention policy and shard", () => {
    expect(renameShardPath("db/rp/12/000000001-000000001.tsm", "new", "rp", 34n)).toBe(
      "new/rp/34/000000001-000000001.tsm",
    );
    expect(renameShardPath("db/rp/12/index/L0-00000001.tsl", "n", "rp", 3n)).toBe("n/rp/3/index/L0-00000001.tsl");
    expect(renameShardPath("db/rp", "n", "rp", 3n)).toBeUndefined();
  });
});
