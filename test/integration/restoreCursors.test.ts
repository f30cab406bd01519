/**
 * What `restore` promises besides the data (docs/recovery.md): it keeps its own cursors and never
 * moves the backup's, a second restore copies only what is new, it lists the users recorded with
 * the backup, and a misconfigured restore exits 2 before touching a server.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DAY, MINUTE, cpuLines, writeAll } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { useServerPair } from "./helpers/serverPair";
import { expectSameAnswer } from "./helpers/compare";
import { backup, restore } from "./helpers/runBackup";

const MAIN = path.resolve(__dirname, "../../dist/main.js");
const servers = useServerPair("raw");
let target: InfluxServer;
let tmp: string;
beforeAll(async () => {
  target = await startInflux();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "influxdb-backup-restore-"));
});
afterAll(async () => {
  await target?.stop();
});

/** Two days ago, off any bucket boundary. */
const START = ((BigInt(Date.now()) * 1_000_000n) / DAY - 2n) * DAY + 137_123_456_789n;
const everything = `SELECT * FROM /.*/ GROUP BY *`;

function readCursors(stateDir: string): Record<string, unknown> {
  const text = fs.readFileSync(path.join(stateDir, "cursors.json"), "utf8");
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return (parsed.cursors as Record<string, unknown> | undefined) ?? parsed;
}

describe("restore", () => {
  it("keeps its own cursors: the backup's stay as they were, and a second restore copies only what is new", async () => {
    const db = freshName("rc");
    const backupDb = freshName("rc_b");
    const stateDir = fs.mkdtempSync(path.join(tmp, "state-"));
    await servers.source.query(`CREATE DATABASE ${db}`);
    await writeAll(
      (l) => servers.source.write(db, l),
      cpuLines({ start: START, end: START + DAY, stepNs: 10n * MINUTE }),
    );
    const env = { ...servers.envFor(db, backupDb), STATE_DIR: stateDir };
    expect((await backup(env)).summary.ok).toBe(true);
    const backupCursors = readCursors(stateDir);
    expect(Object.keys(backupCursors).length).toBeGreaterThan(0);

    const restoreEnv = { ...env, RESTORE_URL: target.url };
    const first = await restore(restoreEnv);
    expect(first.summary.ok).toBe(true);
    await expectSameAnswer(servers.source, db, target, db, everything);
    const afterRestore = readCursors(stateDir);
    for (const [key, cursor] of Object.entries(backupCursors)) expect(afterRestore[key]).toEqual(cursor);
    expect(Object.keys(afterRestore).length).toBeGreaterThan(Object.keys(backupCursors).length);

    // Nothing new on the backup: nothing is copied again.
    const second = await restore(restoreEnv);
    expect(second.summary.ok).toBe(true);
    expect(second.summary.pointsWritten).toBe(0);

    // A point backed up later is the only one the next restore copies, and the backup still resumes where it was.
    await servers.source.write(db, `cpu,host=h9,region=eu usage=1.5 ${START + DAY + MINUTE}`);
    expect((await backup(env)).summary.pointsWritten).toBe(1);
    const third = await restore(restoreEnv);
    expect(third.summary.ok).toBe(true);
    expect(third.summary.pointsWritten).toBe(1);
    await expectSameAnswer(servers.source, db, target, db, everything);
    expect((await backup(env)).summary.pointsWritten).toBe(0);
  });

  it("lists the users and grants recorded with the backup, never their passwords", async () => {
    const db = freshName("ru");
    const backupDb = freshName("ru_b");
    await servers.source.query(`CREATE DATABASE ${db}`);
    await servers.source.write(db, `m v=1 ${START}`);
    const alice = freshName("alice");
    const root = freshName("root");
    await servers.source.query(`CREATE USER "${alice}" WITH PASSWORD 'alice-secret-pw'`);
    await servers.source.query(`GRANT READ ON "${db}" TO "${alice}"`);
    await servers.source.query(`CREATE USER "${root}" WITH PASSWORD 'root-secret-pw' WITH ALL PRIVILEGES`);
    const env = servers.envFor(db, backupDb);
    expect((await backup(env)).summary.ok).toBe(true);
    const run = await restore({ ...env, RESTORE_URL: target.url });
    expect(run.summary.ok).toBe(true);
    const listed = run.log.split("\n").filter((l) => /WARNING .*recreate them by hand/.test(l));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toContain(`${alice}: READ on ${db}`);
    expect(listed[0]).toContain(`${root} (admin)`);
    expect(run.log).not.toMatch(/secret-pw/);
  });

  it("exits 2 when misconfigured, naming every problem, before contacting a server", async () => {
    const cwd = fs.mkdtempSync(path.join(tmp, "cwd-"));
    const child = spawn(process.execPath, [MAIN, "restore"], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HEALTH_PORT: "0",
        STATE_DIR: path.join(cwd, "state"),
        LOG_FILE: path.join(cwd, "restore.log"),
        SOURCE_URL: "http://127.0.0.1:9",
        SOURCE_DBS: "a",
        DEST_DBS: "a_backup",
        RESTORE_USER: "restorer",
      },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(2);
    expect(output).toMatch(/DEST_URL/);
    expect(output).toMatch(/RESTORE_USER set without RESTORE_URL/);
    expect(output).not.toMatch(/ECONNREFUSED|cannot reach/);
  });
});
