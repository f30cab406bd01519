/**
 * Per-measurement resume cursors kept in a small JSON file under STATE_DIR. A cursor is
 * moved only after a window's writes were acknowledged, and the file is replaced atomically
 * (write, then rename), so a run killed at any moment leaves a cursor that is safe to resume
 * from. Without a usable file, resume falls back to what the destination holds.
 */
import fs from "node:fs";
import path from "node:path";

export interface CursorKey {
  source: string;
  sourceDb: string;
  destination: string;
  destDb: string;
  rp: string;
  measurement: string;
}

export function cursorKey(k: CursorKey): string {
  return JSON.stringify([k.source, k.sourceDb, k.destination, k.destDb, k.rp, k.measurement]);
}

/**
 * Where a measurement's next run resumes, and the start of the last window copied that held
 * data: the cursor is trusted only while the destination still holds data from there on.
 */
export interface Cursor {
  resumeNs: bigint;
  checkNs?: bigint;
  /** What both servers had written when the last complete run ended (see quiet.ts). */
  quiet?: QuietMark;
}

/**
 * The write counters of the measurement's retention policy on each server (shardWrites.ts) as
 * a run that copied it completely saw them, the plan it copied with, and what that run reached.
 */
export interface QuietMark {
  source: string;
  destination: string;
  plan: string;
  /** The clock of the run that first saw both servers as they are in this mark. */
  sinceNs: bigint;
  reach?: { sourceNewestNs: bigint; copiedThroughNs: bigint };
}

type StoredQuiet = {
  source: string;
  destination: string;
  plan: string;
  since: string;
  newest?: string;
  through?: string;
};
type Stored = string | { resume: string; check?: string; quiet?: StoredQuiet };

function fromStored(v: Stored): Cursor {
  // Version 1 files hold the resume point alone; the destination was checked from there.
  if (typeof v === "string") return { resumeNs: BigInt(v) };
  const q = v.quiet;
  const quiet: QuietMark | undefined = q && {
    source: q.source,
    destination: q.destination,
    plan: q.plan,
    sinceNs: BigInt(q.since ?? 0),
    ...(q.newest !== undefined && q.through !== undefined
      ? { reach: { sourceNewestNs: BigInt(q.newest), copiedThroughNs: BigInt(q.through) } }
      : {}),
  };
  return {
    resumeNs: BigInt(v.resume),
    ...(v.check !== undefined ? { checkNs: BigInt(v.check) } : {}),
    ...(quiet ? { quiet } : {}),
  };
}

function toStored(c: Cursor): Stored {
  const q = c.quiet;
  return {
    resume: c.resumeNs.toString(),
    ...(c.checkNs !== undefined ? { check: c.checkNs.toString() } : {}),
    ...(q
      ? {
          quiet: {
            source: q.source,
            destination: q.destination,
            plan: q.plan,
            since: q.sinceNs.toString(),
            ...(q.reach
              ? { newest: q.reach.sourceNewestNs.toString(), through: q.reach.copiedThroughNs.toString() }
              : {}),
          },
        }
      : {}),
  };
}

export class CursorStore {
  private cursors = new Map<string, Cursor>();

  /** `file` undefined: cursors live in memory only (nothing survives the process). */
  constructor(readonly file?: string) {}

  /** Reads the file if there is one; a damaged file is ignored (resume falls back to the destination). */
  load(): { loaded: number; problem?: string } {
    if (!this.file || !fs.existsSync(this.file)) return { loaded: 0 };
    try {
      const data = JSON.parse(fs.readFileSync(this.file, "utf8")) as { cursors?: Record<string, Stored> };
      this.cursors = new Map(Object.entries(data.cursors ?? {}).map(([k, v]) => [k, fromStored(v)]));
      return { loaded: this.cursors.size };
    } catch (err) {
      this.cursors.clear();
      return {
        loaded: 0,
        problem: `${this.file} is unreadable (${(err as Error).message}); resuming from the destination`,
      };
    }
  }

  /** The source databases with a cursor for the source at `sourceUrl`: what earlier runs copied. */
  sourceDatabases(sourceUrl: string): string[] {
    const out = new Set<string>();
    for (const key of this.cursors.keys()) {
      const [source, sourceDb] = JSON.parse(key) as unknown[];
      if (source === sourceUrl && typeof sourceDb === "string") out.add(sourceDb);
    }
    return [...out].sort();
  }

  get(key: string): Cursor | undefined {
    return this.cursors.get(key);
  }

  /** Records a cursor and persists the whole set atomically. */
  set(key: string, cursor: Cursor): void {
    this.setMany([[key, cursor]]);
  }

  /** Records several cursors and persists the whole set once. */
  setMany(entries: [string, Cursor][]): void {
    for (const [key, cursor] of entries) this.cursors.set(key, cursor);
    if (!this.file || entries.length === 0) return;
    const data = { version: 2, cursors: Object.fromEntries([...this.cursors].map(([k, v]) => [k, toStored(v)])) };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data));
    fs.renameSync(tmp, this.file);
  }

  /** Opens the store in `dir` (created if missing); returns a memory-only store and the reason if it cannot. */
  static open(dir: string | undefined): { store: CursorStore; problem?: string } {
    if (!dir) return { store: new CursorStore() };
    try {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, "cursors.json");
      fs.accessSync(dir, fs.constants.W_OK);
      return { store: new CursorStore(file) };
    } catch (err) {
      return {
        store: new CursorStore(),
        problem: `STATE_DIR ${dir} is not writable (${(err as Error).message}); resuming from the destination on every run`,
      };
    }
  }
}
