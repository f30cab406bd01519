import { ConnectionError, InfluxError } from "../../../src/errors";
import { BrokenRead, repeatBrokenReads } from "../../../src/copy/retry";

const options = { policy: { maxRetries: 2, baseDelayMs: 1 }, onRetry: () => {} };

describe("the copy's retry layer", () => {
  it("repeats a window whose streamed read broke, at most MAX_RETRIES + 1 times in all, and passes on the read's own failure", async () => {
    let attempts = 0;
    const cut = new ConnectionError("connection reset", "ECONNRESET");
    await expect(
      repeatBrokenReads(async () => {
        attempts++;
        throw new BrokenRead(cut);
      }, options),
    ).rejects.toBe(cut);
    expect(attempts).toBe(3);
  });

  it("never repeats a failure the client already retried (a write), nor the read of the window for it", async () => {
    let attempts = 0;
    const refused = new InfluxError("answered HTTP 503", 503);
    await expect(
      repeatBrokenReads(async () => {
        attempts++;
        throw refused;
      }, options),
    ).rejects.toBe(refused);
    expect(attempts).toBe(1);
  });

  it("does not repeat a read that broke for a reason trying again cannot fix", async () => {
    let attempts = 0;
    const bad = new InfluxError("answered HTTP 400", 400);
    await expect(
      repeatBrokenReads(async () => {
        attempts++;
        throw new BrokenRead(bad);
      }, options),
    ).rejects.toBe(bad);
    expect(attempts).toBe(1);
  });

  it("returns what the copy returns once a repeat succeeds", async () => {
    let attempts = 0;
    const result = await repeatBrokenReads(async () => {
      if (++attempts < 3) throw new BrokenRead(new ConnectionError("reset", "ECONNRESET"));
      return "copied";
    }, options);
    expect(result).toBe("copied");
  });
});
