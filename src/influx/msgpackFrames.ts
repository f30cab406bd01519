/**
 * Pure framing of a MessagePack byte stream into whole top-level values (InfluxDB sends one
 * map per chunk of a chunked answer), so each can be read in one piece without decoding
 * anything else. Finding where a value ends only reads type bytes and lengths.
 */

/** Offset just past the value that starts at `pos`, or -1 when the bytes end before it does. */
export function valueEnd(buf: Uint8Array, pos: number): number {
  // Values still to skip: containers add their children to it.
  let pending = 1;
  let p = pos;
  const n = buf.length;
  const need = (k: number) => p + k <= n;
  const u16 = (at: number) => ((buf[at] as number) << 8) | (buf[at + 1] as number);
  const u32 = (at: number) =>
    ((buf[at] as number) * 0x1000000 +
      (((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number))) >>>
    0;
  while (pending > 0) {
    if (p >= n) return -1;
    const b = buf[p] as number;
    pending--;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      p += 1;
    } else if (b >= 0x80 && b <= 0x8f) {
      pending += 2 * (b & 0x0f);
      p += 1;
    } else if (b >= 0x90 && b <= 0x9f) {
      pending += b & 0x0f;
      p += 1;
    } else if (b >= 0xa0 && b <= 0xbf) {
      p += 1 + (b & 0x1f);
    } else {
      switch (b) {
        case 0xc4: // bin8
        case 0xd9: // str8
          if (!need(2)) return -1;
          p += 2 + (buf[p + 1] as number);
          break;
        case 0xc5:
        case 0xda:
          if (!need(3)) return -1;
          p += 3 + u16(p + 1);
          break;
        case 0xc6:
        case 0xdb:
          if (!need(5)) return -1;
          p += 5 + u32(p + 1);
          break;
        case 0xc7: // ext8
          if (!need(2)) return -1;
          p += 3 + (buf[p + 1] as number);
          break;
        case 0xc8:
          if (!need(3)) return -1;
          p += 4 + u16(p + 1);
          break;
        case 0xc9:
          if (!need(5)) return -1;
          p += 6 + u32(p + 1);
          break;
        case 0xca:
          p += 5;
          break;
        case 0xcb:
          p += 9;
          break;
        case 0xcc:
        case 0xd0:
          p += 2;
          break;
        case 0xcd:
        case 0xd1:
          p += 3;
          break;
        case 0xce:
        case 0xd2:
          p += 5;
          break;
        case 0xcf:
        case 0xd3:
          p += 9;
          break;
        case 0xd4:
          p += 3;
          break;
        case 0xd5:
          p += 4;
          break;
        case 0xd6:
          p += 6;
          break;
        case 0xd7:
          p += 10;
          break;
        case 0xd8:
          p += 18;
          break;
        case 0xdc:
          if (!need(3)) return -1;
          pending += u16(p + 1);
          p += 3;
          break;
        case 0xdd:
          if (!need(5)) return -1;
          pending += u32(p + 1);
          p += 5;
          break;
        case 0xde:
          if (!need(3)) return -1;
          pending += 2 * u16(p + 1);
          p += 3;
          break;
        case 0xdf:
          if (!need(5)) return -1;
          pending += 2 * u32(p + 1);
          p += 5;
          break;
        default:
          throw new SyntaxError(`not MessagePack: byte 0x${b.toString(16)} at offset ${p}`);
      }
    }
  }
  return p <= n ? p : -1;
}

/**
 * Collects pieces of a stream and hands out whole top-level values. To keep the work linear
 * for values much larger than a piece, it looks for the end of a value only once the bytes
 * waiting have doubled since the last look.
 */
export class FrameSplitter {
  private pieces: Buffer[] = [];
  private size = 0;
  private nextLook = 0;

  push(piece: Buffer): Buffer[] {
    this.pieces.push(piece);
    this.size += piece.length;
    if (this.size < this.nextLook) return [];
    const data = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.size);
    const frames: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = valueEnd(data, start);
      if (end < 0) break;
      frames.push(data.subarray(start, end));
      start = end;
      if (start >= data.length) break;
    }
    const rest = data.subarray(start);
    this.pieces = rest.length ? [rest] : [];
    this.size = rest.length;
    this.nextLook = rest.length ? rest.length * 2 : 0;
    return frames;
  }

  /** At the end of the stream: the values still waiting, and how many bytes were left over (a value cut short). */
  end(): { frames: Buffer[]; leftover: number } {
    this.nextLook = 0;
    const frames = this.size ? this.push(Buffer.alloc(0)) : [];
    return { frames, leftover: this.size };
  }
}
