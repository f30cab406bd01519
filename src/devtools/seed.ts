/**
 * Fills a demo source InfluxDB with realistic sample data, for the development compose
 * profile: a few measurements with tags, floats, integers, strings and booleans, every
 * minute over the last SEED_DAYS days up to now. Idempotent (same points overwrite).
 * Usage: SEED_URL=http://source-influxdb:8086 SEED_DB=demo node dist/devtools/seed.js
 */
const url = process.env.SEED_URL ?? "http://source-influxdb:8086";
const db = process.env.SEED_DB ?? "demo";
const days = Number(process.env.SEED_DAYS ?? 3);
const MINUTE_NS = 60_000_000_000n;

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} did not answer /ping within 120 s`);
}

async function post(path: string, body: string | URLSearchParams): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: "POST", body });
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
}

function linesAt(t: bigint, i: number): string[] {
  const hosts = ["web-1", "web-2", "db-1"];
  const out: string[] = [];
  for (const [h, host] of hosts.entries()) {
    const wave = Math.sin((i + h * 17) / 60);
    out.push(
      `cpu,host=${host},region=${h < 2 ? "eu-west" : "us-east"} usage_user=${(35 + 30 * wave).toFixed(2)},usage_system=${(8 + 4 * Math.cos(i / 45)).toFixed(2)},processes=${200 + ((i * 7 + h * 13) % 50)}i ${t}`,
    );
    out.push(
      `mem,host=${host} used_percent=${(55 + 10 * wave).toFixed(2)},available=${8_000_000_000 - ((i * 1_000_003) % 900_000_000)}i ${t}`,
    );
    if (i % 5 === 0)
      out.push(
        `service,host=${host},service=api status="${wave > 0.8 ? "degraded" : "ok"}",healthy=${wave <= 0.8} ${t}`,
      );
  }
  if (i % 15 === 0)
    out.push(
      `sensor,room=lab\\ 1,kind=temperature celsius=${(21 + 2 * Math.sin(i / 300)).toFixed(2)},battery=${100 - (i % 1000) / 10},label="Lab \\"A\\"" ${t}`,
    );
  return out;
}

async function main(): Promise<void> {
  await waitForServer();
  await post(`/query`, new URLSearchParams({ q: `CREATE DATABASE "${db}"` }));
  const now = BigInt(Date.now()) * 1_000_000n;
  const start = now - BigInt(Math.round(days * 24 * 60)) * MINUTE_NS;
  let batch: string[] = [];
  let total = 0;
  let i = 0;
  for (let t = start; t <= now; t += MINUTE_NS, i++) {
    batch.push(...linesAt(t, i));
    if (batch.length >= 5000) {
      await post(`/write?db=${encodeURIComponent(db)}`, batch.join("\n"));
      total += batch.length;
      batch = [];
    }
  }
  if (batch.length) await post(`/write?db=${encodeURIComponent(db)}`, batch.join("\n"));
  total += batch.length;
  process.stdout.write(`seeded ${total} points into ${db} at ${url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${(err as Error).message}\n`);
  process.exit(1);
});
