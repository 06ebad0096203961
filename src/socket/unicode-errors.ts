// Python's UnicodeDecodeError and UnicodeEncodeError for makefile()'s text files, with the codec's own message:
// "'utf-8' codec can't decode byte 0xff in position 4: invalid start byte". RangeErrors, as socketkit maps
// Python's ValueError (docs/errors.md).

/** Where a UTF-8 decode fails in `bytes`: [start, end) of the bad bytes and the codec's reason; null if none. */
export function utf8Failure(bytes: Uint8Array, final: boolean): [number, number, string] | null {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return [i, i + 1, "invalid start byte"];
    // The second byte's range is narrower after E0, ED, F0 and F4 (no overlong forms, surrogates or > U+10FFFF).
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    let k = 1;
    for (; k <= need && i + k < bytes.length; k++) {
      const c = bytes[i + k]!;
      const [lo, hi] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (c < lo || c > hi) return [i, i + k, "invalid continuation byte"];
    }
    if (k <= need) return final ? [i, bytes.length, "unexpected end of data"] : null;
    i += need + 1;
  }
  return null;
}

/** How many bytes at the end of `bytes` begin a UTF-8 sequence still waiting for its continuation bytes. */
export function utf8Pending(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return size > back ? back : 0;
  }
  return 0;
}

/** Python's UnicodeDecodeError for the bytes [start, end) of `bytes`. */
export function decodeError(
  encoding: string,
  bytes: Uint8Array,
  start: number,
  end: number,
  reason: string,
): RangeError {
  const what =
    end - start > 1
      ? `bytes in position ${start}-${end - 1}`
      : `byte 0x${bytes[start]!.toString(16).padStart(2, "0")} in position ${start}`;
  const error = new RangeError(`'${encoding}' codec can't decode ${what}: ${reason}`);
  error.name = "UnicodeDecodeError";
  return error;
}

/** Python's UnicodeEncodeError for the first character of `text` above `max`, or null when there is none. */
export function encodeFailure(encoding: string, text: string, max: number): RangeError | null {
  let position = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code > max) {
      const shown =
        code <= 0xff
          ? `\\x${code.toString(16)}`
          : code <= 0xffff
            ? `\\u${code.toString(16).padStart(4, "0")}`
            : `\\U${code.toString(16).padStart(8, "0")}`;
      const error = new RangeError(
        `'${encoding}' codec can't encode character '${shown}' in position ${position}: ordinal not in range(${max + 1})`,
      );
      error.name = "UnicodeEncodeError";
      return error;
    }
    position++;
  }
  return null;
}
