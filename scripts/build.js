#!/usr/bin/env node
/**
 * `npm run build`: compiles src with tsc (into node_modules/.cache), then bundles each program
 * the image runs into one file under dist/ with esbuild (dist/main.js, dist/healthcheck.js,
 * dist/devtools/seed.js).
 *
 * esbuild bundles tsc's CommonJS output rather than the TypeScript: every import is then a
 * require(), so each package resolves to the same file Node itself would load (node-cron's
 * ESM build, which import statements would pick, needs import.meta.url).
 *
 * Why one file: a one-shot run of the unbundled program spent about 65 ms of CPU before its
 * first request finding, reading and wrapping ~150 module files (winston, luxon, zod and their
 * dependencies); a bundle is read and compiled once. The image then needs no node_modules, so
 * the build fails when a bundle would still require a package at run time, and on any
 * esbuild warning. Modules still load lazily where the code asks so (prom-client only when
 * HEALTH_PORT > 0).
 *
 * Each bundle has a source map beside it (without the sources' text): `node
 * --enable-source-maps dist/main.js` gives stack traces in src/*.ts, and `npm run bench`'s CPU
 * profile summary reads it too.
 */
"use strict";
const fs = require("node:fs");
const { isBuiltin } = require("node:module");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");
const DIST = path.join(root, "dist");
const COMPILED = path.join(root, "node_modules/.cache/influxdb-backup-build");
/** Each bundle's name in dist/ and the program it is built from (the names are the image's interface: HEALTHCHECK, compose, docs). */
const PROGRAMS = { main: "main", healthcheck: "observability/healthcheck", "devtools/seed": "devtools/seed" };

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function compile() {
  const tsc = require.resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", COMPILED], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.error) fail(`could not run tsc: ${result.error.message}`);
  if (result.status !== 0) fail("tsc reported errors (above)");
}

function packageVersion() {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  if (typeof version !== "string" || !version) fail("package.json has no version");
  return version;
}

async function bundle() {
  const esbuild = require("esbuild");
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: Object.entries(PROGRAMS).map(([out, p]) => ({ out, in: path.join(COMPILED, `${p}.js`) })),
      outdir: DIST,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      sourcemap: "linked",
      sourcesContent: false,
      // Third-party license comments are kept, gathered at the end of each bundle.
      legalComments: "eof",
      metafile: true,
      logLevel: "warning",
      // src/commands/version.ts: the version a user sees in --version and the start-up line.
      define: { INFLUXDB_BACKUP_VERSION: JSON.stringify(packageVersion()) },
    });
  } catch {
    fail("esbuild reported errors (above)");
  }
  if (result.warnings.length > 0) fail("esbuild reported warnings (above)");
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const left = new Set(output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path));
    if (left.size > 0) fail(`${file} would need at run time: ${[...left].join(", ")} (the image has no node_modules)`);
  }
  writeLicenses(Object.keys(result.metafile.inputs));
}

/**
 * dist/THIRD_PARTY_LICENSES.txt: the license of every package bundled, as the packages
 * themselves carried it in node_modules (the image has no node_modules).
 */
function writeLicenses(inputs) {
  const packages = new Set();
  const ours = path.relative(root, COMPILED);
  for (const input of inputs) {
    if (input.startsWith(ours)) continue;
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  const sections = [...packages].sort().map((dir) => {
    const meta = JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8"));
    const file = fs.readdirSync(path.join(root, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? fs.readFileSync(path.join(root, dir, file), "utf8").trim() : `License: ${meta.license}`;
    return `${meta.name} ${meta.version}\n\n${text}\n`;
  });
  fs.writeFileSync(path.join(DIST, "THIRD_PARTY_LICENSES.txt"), sections.join(`\n${"-".repeat(72)}\n\n`));
}

// A failed build leaves no dist/ behind that could pass for its result.
fs.rmSync(DIST, { recursive: true, force: true });
fs.rmSync(COMPILED, { recursive: true, force: true });
compile();
bundle().catch((err) => fail(err instanceof Error ? err.message : String(err)));
