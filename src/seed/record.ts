/**
 * The "seed in progress" record, STATE_DIR/seed.json: written before a seed changes anything
 * on the destination and removed once its check is done, so a run killed at any point of a
 * seed leaves the next run what it needs to finish it (which ranges to check against the source).
 */
import fs from "node:fs";
import path from "node:path";

export interface SeededShard {
  rp: string;
  startNs: bigint;
  endNs: bigint;
}

export interface SeedRecord {
  /** What the seed took over: the copy resumes from here over HTTP. */
  resumeNs: bigint;
  shards: SeededShard[];
}

interface Stored {
  resume: string;
  shards: { rp: string; start: string; end: string }[];
}

export class SeedRecords {
  constructor(readonly file: string) {}

  /** Next to the cursors (STATE_DIR/cursors.json); undefined when they live in memory only. */
  static beside(cursorsFile: string | undefined): SeedRecords | undefined {
    return cursorsFile === undefined ? undefined : new SeedRecords(path.join(path.dirname(cursorsFile), "seed.json"));
  }

  get(key: string): SeedRecord | undefined {
    const stored = this.read()[key];
    if (!stored) return undefined;
    return {
      resumeNs: BigInt(stored.resume),
      shards: stored.shards.map((s) => ({ rp: s.rp, startNs: BigInt(s.start), endNs: BigInt(s.end) })),
    };
  }

  set(key: string, record: SeedRecord): void {
    const all = this.read();
    all[key] = {
      resume: record.resumeNs.toString(),
      shards: record.shards.map((s) => ({ rp: s.rp, start: s.startNs.toString(), end: s.endNs.toString() })),
    };
    this.write(all);
  }

  delete(key: string): void {
    const all = this.read();
    if (!(key in all)) return;
    delete all[key];
    this.write(all);
  }

  private read(): Record<string, Stored> {
    if (!fs.existsSync(this.file)) return {};
    // A damaged record must not be taken for "no seed in progress": the error stops the run.
    try {
      return (JSON.parse(fs.readFileSync(this.file, "utf8")) as { seeds?: Record<string, Stored> }).seeds ?? {};
    } catch (err) {
      throw new Error(
        `${this.file} is unreadable (${(err as Error).message}): it says which seeded databases still need their check. ` +
          "Remove it only after dropping the databases a seed was creating on the destination (the next run seeds or copies them again)",
        { cause: err },
      );
    }
  }

  private write(seeds: Record<string, Stored>): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, seeds }));
    fs.renameSync(tmp, this.file);
  }
}

export function seedKey(sourceUrl: string, sourceDb: string, destinationUrl: string, destDb: string): string {
  return JSON.stringify([sourceUrl, sourceDb, destinationUrl, destDb]);
}
