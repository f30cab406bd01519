/**
 * Pure: the "measurement,tags " start of a series' lines, written straight from the bytes of
 * the series' MessagePack tags map when nothing in them needs a rule of line protocol. A
 * high-cardinality answer has a series per few rows, and making strings of every tag key and
 * value, escaping and joining them cost more than the rows themselves. Anything else (escapes,
 * non-ASCII, unsorted or odd maps) is declined, and the caller takes seriesKey's path.
 */

/** A tag key or value byte that line protocol takes as it is: printable ASCII but " , = \ (and not space). */
function plain(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x2c && b !== 0x3d && b !== 0x5c;
}

function allPlain(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!plain(buf[i] as number)) return false;
  return true;
}

/** Whether buf[a, a + aLen) sorts strictly before buf[b, b + bLen) (bytes, as JavaScript sorts ASCII strings). */
function before(buf: Uint8Array, a: number, aLen: number, b: number, bLen: number): boolean {
  const n = Math.min(aLen, bLen);
  for (let i = 0; i < n; i++) {
    const x = buf[a + i] as number;
    const y = buf[b + i] as number;
    if (x !== y) return x < y;
  }
  return aLen < bLen;
}

/**
 * A plain measurement's escaped name: one with no space and no backslash, so no tag can make
 * InfluxDB's line splitter read the key differently (see seriesKey).
 */
export function isPlainMeasurement(escaped: string): boolean {
  return /^[\x21-\x5b\x5d-\x7e]*$/.test(escaped); // printable ASCII but space and backslash
}

/**
 * Writes `measurement` (already escaped, plain), then ",key=value" for every tag with a value,
 * then a space, into `out` from 0; the tags map is at buf[tagsAt, tagsEnd). Returns the length
 * written, or -1 to decline. `out` must hold measurement.length + (tagsEnd - tagsAt) + 1 bytes:
 * each tag's two string headers (at least a byte each) give way to "," and "=".
 * Declined: a map or string header other than the short ones InfluxDB sends, a key or value
 * with a byte that is not plain, an empty key, keys not in strictly increasing order, a value
 * that is not a string. Same bytes as seriesKey otherwise: tags sorted by key, empty values left out.
 */
export function plainSeriesPrefix(
  buf: Uint8Array,
  tagsAt: number,
  tagsEnd: number,
  measurement: Buffer,
  out: Buffer,
): number {
  const head = buf[tagsAt] as number;
  if (head < 0x80 || head > 0x8f) return -1; // fixmap: up to 15 tags
  const n = head & 0x0f;
  let p = tagsAt + 1;
  let at = 0;
  for (let i = 0; i < measurement.length; i++) out[at++] = measurement[i] as number;
  let prevKey = -1;
  let prevLen = 0;
  for (let t = 0; t < n; t++) {
    const kh = buf[p] as number;
    if (kh < 0xa1 || kh > 0xbf) return -1; // a non-empty fixstr key
    const keyLen = kh & 0x1f;
    const key = p + 1;
    p = key + keyLen;
    if (!allPlain(buf, key, p)) return -1;
    if (prevKey >= 0 && !before(buf, prevKey, prevLen, key, keyLen)) return -1;
    prevKey = key;
    prevLen = keyLen;
    const vh = buf[p] as number;
    let valueLen: number;
    let value: number;
    if (vh >= 0xa0 && vh <= 0xbf) {
      valueLen = vh & 0x1f;
      value = p + 1;
    } else if (vh === 0xd9) {
      valueLen = buf[p + 1] as number;
      value = p + 2;
    } else {
      return -1;
    }
    p = value + valueLen;
    if (p > tagsEnd) return -1;
    if (valueLen === 0) continue; // GROUP BY *: this series has no such tag
    if (!allPlain(buf, value, p)) return -1;
    out[at++] = 0x2c;
    for (let i = key; i < key + keyLen; i++) out[at++] = buf[i] as number;
    out[at++] = 0x3d;
    for (let i = value; i < p; i++) out[at++] = buf[i] as number;
  }
  if (p !== tagsEnd) return -1;
  out[at++] = 0x20;
  return at;
}
