import { differingRanges, digestFromRows } from "../../../src/copy/digest";

const H = 3_600_000_000_000n;
const cols = ["time", "c0", "s0", "c1"];
const digest = (rows: unknown[][]) => digestFromRows(cols, rows, H);

describe("late-data digests", () => {
  it("finds nothing when both servers hold the same counts and sums", () => {
    const rows = [
      [String(0n), 3n, 1.5, 2n],
      [String(2n * H), 1n, 0.1 + 0.2, null],
    ];
    const same = [
      [String(0n), 3, 1.5, 2],
      [String(2n * H), 1, 0.3, 0],
    ];
    expect(differingRanges(digest(rows), digest(same), H, 0n, 5n * H)).toEqual([]);
  });

  it("names the intervals whose counts or sums differ, merged into ranges", () => {
    const source = digest([
      [String(0n), 3n, 1.5, 2n],
      [String(H), 4n, 2, 2n],
      [String(2n * H), 1n, 7, 0n],
      [String(4n * H), 1n, 7, 0n],
    ]);
    const dest = digest([
      [String(0n), 3n, 1.5, 2n],
      [String(H), 4n, 2.5, 2n],
      [String(4n * H), 1n, 7, 1n],
    ]);
    expect(differingRanges(source, dest, H, 0n, 10n * H)).toEqual([
      { startNs: H, endNs: 3n * H },
      { startNs: 4n * H, endNs: 5n * H },
    ]);
  });

  it("leaves out of the comparison a field whose source sum overflowed (a bucket never written)", () => {
    const source = digest([
      [String(0n), 3n, Infinity, 2n],
      [String(H), 2n, NaN, 1n],
      [String(2n * H), 2n, Infinity, 2n],
    ]);
    const dest = digest([
      [String(0n), 2n, 1.5, 2n],
      [String(H), 1n, 0.5, 1n],
      [String(2n * H), 1n, 0.5, 1n],
    ]);
    // The other field (c1) still counts: it differs in the third hour only.
    expect(differingRanges(source, dest, H, 0n, 3n * H, true)).toEqual([{ startNs: 2n * H, endNs: 3n * H }]);
    // A raw copy drops nothing: there, a count that differs is late data whatever the sum says.
    expect(differingRanges(source, dest, H, 0n, 3n * H)).toEqual([{ startNs: 0n, endNs: 3n * H }]);
  });

  it("clips ranges to the compared range and compares integer sums exactly", () => {
    const source = digestFromRows(["time", "c0", "s0"], [[String(0n), 2n, 9007199254740993n]], H);
    const dest = digestFromRows(["time", "c0", "s0"], [[String(0n), 2n, 9007199254740992n]], H);
    expect(differingRanges(source, dest, H, 10n, H - 5n)).toEqual([{ startNs: 10n, endNs: H - 5n }]);
  });
});
