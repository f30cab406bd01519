import { Readable } from "node:stream";
import { TarRename, paxEntry, parsePaxRecords } from "../../../src/codec/tarRename";

/** A minimal ustar entry with `content`. */
function entry(name: string, content: string, prefix = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write(`${Buffer.byteLength(content).toString(8).padStart(11, "0")}\0`, 124, "latin1");
  h.write("00000000000\0", 136, "latin1");
  h.write("0", 156, "latin1");
  h.write("ustar\x0000", 257, "latin1");
  h.write(prefix, 345, 155, "utf8");
  h.fill(0x20, 148, 156);
  h.write(
    `${h
      .reduce((n, b) => n + b, 0)
      .toString(8)
      .padStart(6, "0")}\0 `,
    148,
    8,
    "latin1",
  );
  const body = Buffer.from(content);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** Names and contents of a tar, read back with the same rules a tar reader uses. */
function readTar(tar: Buffer): { name: string; content: string; checksumOk: boolean }[] {
  const out = [];
  let pax = new Map<string, string>();
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.toString("latin1", 124, 136).replace(/\0/g, ""), 8);
    const body = tar.subarray(at + 512, at + 512 + size);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    const checksumOk = copy.reduce((n, b) => n + b, 0) === parseInt(h.toString("latin1", 148, 154), 8);
    at += 512 + Math.ceil(size / 512) * 512;
    if (h[156] === "x".charCodeAt(0)) {
      pax = parsePaxRecords(body);
      continue;
    }
    const prefix = h.toString("utf8", 345, 500).replace(/\0.*$/s, "");
    const short = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
    out.push({
      name: pax.get("path") ?? (prefix ? `${prefix}/${short}` : short),
      content: body.toString(),
      checksumOk,
    });
    pax = new Map();
  }
  return out;
}

async function rename(tar: Buffer, chunk: number, to = "new/rp/9"): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) pieces.push(tar.subarray(i, i + chunk));
  const t = new TarRename((name) => `${to}/${name.split("/").slice(3).join("/")}`);
  const out: Buffer[] = [];
  for await (const b of Readable.from(pieces).pipe(t)) out.push(b as Buffer);
  return Buffer.concat(out);
}

describe("renaming a shard's tar on the way", () => {
  const tar = Buffer.concat([
    entry("db/rp/1/000000001-000000001.tsm", "x".repeat(1000)),
    entry("000000002-000000001.tsm", "tsm two", "db/rp/1"),
    Buffer.alloc(1024),
  ]);

  it.each([1, 7, 512, 100000])("renames every entry and keeps contents, however the stream is cut (%i)", async (n) => {
    const out = readTar(await rename(tar, n));
    expect(out).toEqual([
      { name: "new/rp/9/000000001-000000001.tsm", content: "x".repeat(1000), checksumOk: true },
      { name: "new/rp/9/000000002-000000001.tsm", content: "tsm two", checksumOk: true },
    ]);
  });

  it("puts a name longer than 100 bytes in a PAX path record, and replaces one that was there", async () => {
    const long = `${"d".repeat(120)}/rp/7`;
    const withPax = Buffer.concat([
      paxEntry(new Map([["path", "db/rp/1/00001.tsm"]])),
      entry("truncated-name", "abc"),
      Buffer.alloc(1024),
    ]);
    const out = readTar(await rename(withPax, 300, long));
    expect(out).toEqual([{ name: `${long}/00001.tsm`, content: "abc", checksumOk: true }]);
  });

  it("fails a stream that ends inside an entry", async () => {
    await expect(rename(tar.subarray(0, 700), 64)).rejects.toThrow(/middle of an entry/);
  });
});
