import { codePointLength } from './charset';
import type { QrErrorCode, QrProblem, QrSeverity } from './errors';

/**
 * One data object of the parsed tree, as `decodeQr` returns it in `tags`.
 * `length` is the declared length, which always equals the code-point count of `value` (objects whose length
 * does not fit are reported as problems, not kept). `children` is present when the object is a template whose
 * content parsed as objects.
 */
export interface QrTag {
  id: string;
  length: number;
  value: string;
  children?: QrTag[];
}

export function problem(code: QrErrorCode, path: string, message: string, severity: QrSeverity = 'error'): QrProblem {
  return { code, path, message, severity };
}

export function joinPath(parent: string, id: string): string {
  return parent ? `${parent}.${id}` : id;
}

function digit(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57 ? c - 48 : -1;
}

/** "00".."99", so that reading an ID allocates nothing. */
const IDS: readonly string[] = Array.from({ length: 100 }, (_, n) => (n < 10 ? '0' : '') + n);

/**
 * Which IDs the current level has seen: SEEN[id] === generation. One module-level table with a generation counter
 * instead of a Set per level; parseLevel never recurses, so levels never share a generation.
 */
const SEEN = new Uint32Array(100);
let generation = 0;

function twoDigits(text: string, i: number): number {
  const a = digit(text, i);
  const b = digit(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Reads the run of objects in text[from, to) without ever throwing. Problems go to `problems` with their tag paths.
 *
 * Recovery is deliberately narrow: after an unreadable length or an object running past the end there is no way to
 * find the next object boundary, so the level stops there. A non-digit ID with a readable length is skipped and
 * reading goes on, since the boundary is still known. A zero length is reported and read as an empty value.
 */
export function parseLevel(
  text: string,
  from: number,
  to: number,
  path: string,
  problems: QrProblem[],
  /** When given, receives the UTF-16 offset of each node's value, index for index (the CRC check needs 63's). */
  valueStarts?: number[],
): QrTag[] {
  const nodes: QrTag[] = [];
  if (++generation === 0xffffffff) {
    SEEN.fill(0);
    generation = 1;
  }
  let i = from;
  while (i < to) {
    const where = path ? `in ${path} ` : '';
    if (to - i < 4) {
      problems.push(
        problem(
          'QR.TRUNCATED',
          path,
          `${where}${to - i} character(s) left at offset ${i - from}, too few for an ID and a length`,
        ),
      );
      break;
    }
    const idNum = twoDigits(text, i);
    const id = idNum >= 0 ? (IDS[idNum] as string) : text.slice(i, i + 2);
    const len = twoDigits(text, i + 2);
    const idPath = idNum >= 0 ? joinPath(path, id) : path;
    if (len < 0) {
      problems.push(
        problem(
          'QR.INVALID_LENGTH',
          idPath,
          `${where}length ${JSON.stringify(text.slice(i + 2, i + 4))} at offset ${i - from + 2} is not two digits`,
        ),
      );
      break;
    }
    // Advance `len` code points, so that an astral character counts once, as the length counts it.
    let j = i + 4;
    let k = 0;
    while (k < len && j < to) {
      const c = text.charCodeAt(j);
      if (c >= 0xd800 && c <= 0xdbff && j + 1 < to) {
        const lo = text.charCodeAt(j + 1);
        j += lo >= 0xdc00 && lo <= 0xdfff ? 2 : 1;
      } else j++;
      k++;
    }
    if (k < len) {
      problems.push(
        problem('QR.TRUNCATED', idPath, `${where}object ${id} declares ${len} characters but only ${k} are left`),
      );
      break;
    }
    if (idNum < 0) {
      problems.push(
        problem('QR.INVALID_ID', path, `${where}ID ${JSON.stringify(id)} at offset ${i - from} is not two digits`),
      );
      i = j;
      continue;
    }
    if (len === 0) problems.push(problem('QR.ZERO_LENGTH', idPath, `object ${idPath} has length 00`));
    if (SEEN[idNum] === generation) {
      problems.push(
        problem('QR.DUPLICATE_ID', idPath, `object ${idPath} occurs more than once; the first one is read`),
      );
    } else SEEN[idNum] = generation;
    nodes.push({ id, length: len, value: text.slice(i + 4, j) });
    valueStarts?.push(i + 4);
    i = j;
  }
  return nodes;
}

/** Serialises one object: ID, two-digit length in code points, value. The caller has checked 1 ≤ length ≤ 99. */
export function tlv(id: string, value: string): string {
  const n = codePointLength(value);
  return id + (n < 10 ? '0' : '') + n + value;
}

/** tlv for a value known to be ASCII, where code points and UTF-16 units agree (all but template 64's text). */
export function tlvAscii(id: string, value: string): string {
  const n = value.length;
  return id + (n < 10 ? '0' : '') + n + value;
}
