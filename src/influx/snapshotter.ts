/**
 * The one module that speaks InfluxDB's snapshot protocol (services/snapshotter on the RPC
 * port, 8088 by default), over plain TCP: the port has neither authentication nor TLS. Each
 * request is a connection of its own; answers end when the server hangs up.
 */
import net from "node:net";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { ConnectionError } from "../errors";
import {
  ProtocolError,
  SNAPSHOTTER_MUX,
  encodeRequest,
  metastoreBlob,
  renameShardPath,
  shardIdMap,
  shardUpdateOpening,
} from "../codec/snapshotFrames";
import { TarRename } from "../codec/tarRename";

export interface SnapshotterAddress {
  host: string;
  port: number;
}

export class SnapshotterClient {
  constructor(
    readonly address: SnapshotterAddress,
    /** "source", "destination": said in messages. */
    readonly role: string,
    /** Silence after which a connection is given up. */
    readonly timeoutMs: number,
  ) {}

  get label(): string {
    return `the ${this.role}'s RPC service at ${this.address.host}:${this.address.port}`;
  }

  /** Opens a connection on the snapshotter's mux byte; throws ConnectionError when the port does not answer. */
  async connect(signal?: AbortSignal): Promise<net.Socket> {
    const socket = net.connect({ host: this.address.host, port: this.address.port });
    socket.setTimeout(this.timeoutMs, () =>
      socket.destroy(new ConnectionError(`${this.label} stopped answering for ${this.timeoutMs / 1000}s`)),
    );
    const abort = () => socket.destroy(new ConnectionError("stopped on request"));
    signal?.addEventListener("abort", abort, { once: true });
    socket.once("close", () => signal?.removeEventListener("abort", abort));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", (err: NodeJS.ErrnoException) =>
        reject(new ConnectionError(`cannot reach ${this.label}: ${err.message}`, err.code, { cause: err })),
      );
    });
    socket.write(Buffer.from([SNAPSHOTTER_MUX]));
    return socket;
  }

  /** The server's whole metadata (meta.Data, protobuf), as InfluxDB's `backup` reads it. */
  async metastoreBackup(signal?: AbortSignal): Promise<Buffer> {
    return metastoreBlob(await this.ask(encodeRequest("MetastoreBackup", {}), "MetastoreBackup", signal));
  }

  /**
   * Imports database `from` of `metadata` as `to` (which must not exist yet): its retention
   * policies, shard groups and empty shards. Answers the source's shard IDs -> the new ones.
   */
  async importMetadata(metadata: Buffer, from: string, to: string, signal?: AbortSignal): Promise<Map<bigint, bigint>> {
    const request = encodeRequest("MetaStoreUpdate", {
      BackupDatabase: from,
      RestoreDatabase: to,
      UploadSize: metadata.length,
    });
    // One write: InfluxDB before 1.8.8 reads the upload with a single Read after the request.
    return shardIdMap(await this.ask(Buffer.concat([request, metadata]), "MetaStoreUpdate", signal));
  }

  /**
   * Streams shard `fromId` of `source` into shard `toId` of database `db`, retention policy `rp`,
   * here, renaming the tar's entries on the way; no copy on disk. The server answers nothing
   * (an import that fails says so only in its own log): resolves once it hung up.
   */
  async copyShard(
    source: SnapshotterClient,
    fromId: bigint,
    target: { db: string; rp: string; toId: bigint },
    signal?: AbortSignal,
  ): Promise<{ renamed: number }> {
    const upload = await this.connect(signal);
    const closed = hangUp(upload, this.label, "ShardUpdate");
    closed.catch(() => undefined); // awaited below; a pipeline failure reports first
    upload.write(shardUpdateOpening(target.toId));
    let download: net.Socket | undefined;
    try {
      download = await source.connect(signal);
      download.write(encodeRequest("ShardBackup", { ShardID: fromId }));
      const rename = new TarRename((name) => renameShardPath(name, target.db, target.rp, target.toId));
      await pipeline(download as Readable, rename, upload);
      upload.setTimeout(this.timeoutMs * 10); // the server imports the files before it hangs up
      await closed;
      return { renamed: rename.renamed };
    } catch (err) {
      upload.destroy();
      download?.destroy();
      throw err;
    }
  }

  /** Sends `bytes` (a request and its payload) and reads the answer to its end. */
  private async ask(bytes: Buffer, what: string, signal?: AbortSignal): Promise<Buffer> {
    const socket = await this.connect(signal);
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    const closed = hangUp(socket, this.label, what);
    socket.end(bytes);
    await closed;
    const answer = Buffer.concat(chunks);
    if (answer.length === 0)
      throw new ProtocolError(
        `${this.label} answered ${what} with nothing: it refused the request (see its log; InfluxDB 1.5 or later is needed)`,
      );
    return answer;
  }
}

/** Resolves when the server closes the connection; rejects on a broken connection. */
function hangUp(socket: net.Socket, label: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    socket.on("error", (err: NodeJS.ErrnoException) => {
      failure =
        err instanceof ConnectionError
          ? err
          : new ConnectionError(`${what} on ${label} broke: ${err.message}`, err.code, { cause: err });
    });
    socket.once("close", () => (failure ? reject(failure) : resolve()));
    socket.resume();
  });
}
