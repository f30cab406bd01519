/**
 * Docker HEALTHCHECK without curl: exits 0 when /healthz answers 200, 1 otherwise.
 * Usage: node dist/healthcheck.js (reads HEALTH_PORT, default 9100).
 */
import http from "node:http";

const port = Number(process.env.HEALTH_PORT || 9100);
if (port === 0) process.exit(0); // disabled: nothing to check
const req = http.get({ host: "127.0.0.1", port, path: "/healthz", timeout: 4000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", () => process.exit(1));
