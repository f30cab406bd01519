/**
 * The program's version, from package.json. The bundle has it baked in at build time
 * (scripts/build.js defines INFLUXDB_BACKUP_VERSION); run unbundled (ts-jest, tsc output) it
 * is read from the package.json above src/ (two folders up).
 */
import fs from "node:fs";
import path from "node:path";

declare const INFLUXDB_BACKUP_VERSION: string | undefined;

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../..", "package.json"), "utf8")) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export const VERSION: string =
  typeof INFLUXDB_BACKUP_VERSION === "string" ? INFLUXDB_BACKUP_VERSION : readPackageVersion();
