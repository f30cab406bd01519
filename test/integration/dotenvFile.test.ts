/**
 * docs/reference.md, "How settings reach the container": `node dist/main.js` reads `.env` from
 * its working folder, real environment variables win over the file, and an unquoted value is
 * cut at `#`. Runs the built program (npm run build first) in a folder holding only that .env,
 * with only PATH and the test's variables in its environment.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { START, cpuLines } from "./helpers/dataset";
import { freshName, startInflux, type InfluxServer } from "./helpers/influxServer";
import { MAIN, runProgram, type Exit } from "./helpers/program";

let server: InfluxServer;
let tmp: string;

/** Runs the program in a fresh folder that holds `dotenv` as its .env. */
function runWith(dotenv: string, env: Record<string, string>): Promise<Exit> {
  return runProgram(env, [], { ".env": dotenv });
}

beforeAll(async () => {
  expect(fs.existsSync(MAIN)).toBe(true);
  server = await startInflux();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "influxdb-backup-dotenv-"));
});
afterAll(async () => {
  await server?.stop();
});

describe("node dist/main.js and the .env in its working folder", () => {
  it("takes its configuration from .env, and a real environment variable wins over the file", async () => {
    const src = freshName("dotenv");
    const fromFile = freshName("dotenv_file");
    const fromEnv = freshName("dotenv_env");
    await server.query(`CREATE DATABASE ${src}`);
    await server.write(src, cpuLines({ end: START + 3_600_000_000_000n }).join("\n"));
    const dotenv = [
      `SOURCE_URL=${server.url}`,
      `SOURCE_DBS=${src}`,
      `DEST_URL=${server.url}`,
      `DEST_DBS=${fromFile}`,
      "SOURCE_GROUP_BY=raw",
      "HEALTH_PORT=0",
      "STATE_DIR=none",
      `LOG_FILE=${path.join(tmp, `${src}.log`)}`,
      "",
    ].join("\n");

    const r = await runWith(dotenv, { DEST_DBS: fromEnv });

    expect(r).toEqual(expect.objectContaining({ code: 0 }));
    const q = `SELECT * FROM cpu GROUP BY *`;
    expect(await server.queryText(q, fromEnv)).toBe(await server.queryText(q, src));
    const databases = JSON.stringify(await server.query("SHOW DATABASES"));
    expect(databases).toContain(`"${fromEnv}"`);
    expect(databases).not.toContain(`"${fromFile}"`);
  });

  it("cuts an unquoted value at #, which is why values must not hold one", async () => {
    const r = await runWith(
      "SOURCE_URL=http://127.0.0.1:1\nSOURCE_DBS=a\nDEST_URL=http://127.0.0.1:2\nDEST_DBS=b\nSOURCE_GROUP_BY=5m#raw\nHEALTH_PORT=0\n",
      {
        DAYS_OF_PAGINATION: "soon",
      },
    );
    // Exit 2 for DAYS_OF_PAGINATION alone: the file was read, and SOURCE_GROUP_BY arrived as "5m".
    expect(r.code).toBe(2);
    expect(r.output).toContain("DAYS_OF_PAGINATION");
    expect(r.output).not.toContain("SOURCE_GROUP_BY");
    expect(r.output).not.toContain("SOURCE_URL");
  });
});
