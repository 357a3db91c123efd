/**
 * Draws the two Teams app icons and writes them to manifest/:
 *
 *   color.png    192x192, a white rocket with an orange flame on a blue field
 *   outline.png   32x32, the same rocket in pure white on a transparent field
 *
 * `npm run icons` regenerates them. The PNG encoder (and a small decoder used
 * by the packaging checks and tests) is written here on top of node:zlib only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';

/** An 8-bit RGBA raster, row-major, 4 bytes a pixel. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// ---------------------------------------------------------------- CRC32 ----

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// -------------------------------------------------------------- encoder ----

function chunk(type: string, body: Buffer): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body, crc32(typeBytes)), 0);
  return Buffer.concat([length, typeBytes, body, crc]);
}

/** Encodes an RGBA raster as a non-interlaced 8-bit truecolour+alpha PNG. */
export function encodePng(image: Rgba): Buffer {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) {
    throw new Error(`raster is ${data.length} bytes, expected ${width * height * 4}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace

  // Every scanline is preceded by its filter type; 0 (None) keeps it simple.
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }

  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// -------------------------------------------------------------- decoder ----

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

/** Reads the signature and the IHDR chunk; throws if the bytes are not a PNG. */
export function readPngHeader(png: Uint8Array): PngHeader {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new Error('not a PNG file (bad signature)');
  }
  if (buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG file (IHDR is not the first chunk)');
  }
  return {
    width: buf.readUInt32BE(16),
    height: buf.readUInt32BE(20),
    bitDepth: buf.readUInt8(24),
    colorType: buf.readUInt8(25),
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Decodes an 8-bit RGBA, non-interlaced PNG (what encodePng writes, and what
 * most tools write for icons with transparency). Other formats throw.
 */
export function decodePng(png: Uint8Array): Rgba {
  const header = readPngHeader(png);
  if (header.bitDepth !== 8 || header.colorType !== 6) {
    throw new Error(`only 8-bit RGBA PNGs are supported (bit depth ${header.bitDepth}, colour type ${header.colorType})`);
  }
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.readUInt8(28) !== 0) throw new Error('interlaced PNGs are not supported');

  const idat: Buffer[] = [];
  for (let at = 8; at + 12 <= buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));

  const { width, height } = header;
  const stride = width * 4;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? (out[y * stride + x - 4] ?? 0) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= 4 && y > 0 ? (out[(y - 1) * stride + x - 4] ?? 0) : 0;
      const v = line[x] ?? 0;
      let predicted: number;
      switch (filter) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = a;
          break;
        case 2:
          predicted = b;
          break;
        case 3:
          predicted = (a + b) >> 1;
          break;
        case 4:
          predicted = paeth(a, b, c);
          break;
        default:
          throw new Error(`unknown PNG filter type ${String(filter)} on row ${y}`);
      }
      out[y * stride + x] = (v + predicted) & 0xff;
    }
  }
  return { width, height, data: out };
}

// -------------------------------------------------------------- drawing ----

/** The parts of the rocket, in a unit square with y pointing down. */
type Part = 'body' | 'window' | 'fin' | 'flame';

const CX = 0.5;
const NOSE_TOP = 0.12;
const NOSE_BASE = 0.34;
const BODY_BOTTOM = 0.66;
const BODY_HALF = 0.12;
const WINDOW = { y: 0.42, r: 0.055 };
const FLAME_TOP = 0.7;
const FLAME_BOTTOM = 0.9;
const FLAME_HALF = 0.075;

/** Is (px, py) inside the triangle a-b-c? */
function inTriangle(px: number, py: number, a: [number, number], b: [number, number], c: [number, number]): boolean {
  const side = (p: [number, number], q: [number, number]) => (q[0] - p[0]) * (py - p[1]) - (q[1] - p[1]) * (px - p[0]);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  const hasNeg = d1 < 0 || d2 < 0 || d3 < 0;
  const hasPos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(hasNeg && hasPos);
}

/** Which part of the rocket covers the point, if any. */
export function rocketPartAt(x: number, y: number): Part | null {
  const dx = Math.abs(x - CX);

  // Body: an ogive nose that widens into a straight fuselage.
  if (y >= NOSE_TOP && y <= BODY_BOTTOM) {
    const half = y < NOSE_BASE ? BODY_HALF * Math.sqrt((y - NOSE_TOP) / (NOSE_BASE - NOSE_TOP)) : BODY_HALF;
    if (dx <= half) {
      if (Math.hypot(x - CX, y - WINDOW.y) <= WINDOW.r) return 'window';
      return 'body';
    }
  }

  // Fins: a swept triangle on each side of the lower fuselage.
  const fin = (sign: number): boolean =>
    inTriangle(x, y, [CX + sign * (BODY_HALF - 0.01), 0.45], [CX + sign * (BODY_HALF - 0.01), BODY_BOTTOM + 0.02], [CX + sign * (BODY_HALF + 0.14), BODY_BOTTOM + 0.1]) && dx >= BODY_HALF - 0.01;
  if (fin(-1) || fin(1)) return 'fin';

  // Flame: narrows from the nozzle to a point.
  if (y >= FLAME_TOP && y <= FLAME_BOTTOM) {
    const t = (y - FLAME_TOP) / (FLAME_BOTTOM - FLAME_TOP);
    if (dx <= FLAME_HALF * Math.cos((t * Math.PI) / 2)) return 'flame';
  }
  return null;
}

type Colour = readonly [number, number, number, number];

/**
 * Renders the rocket at `size` pixels. Each pixel is sampled on an n x n grid:
 * the colour icon blends the samples (anti-aliased), the outline icon keeps a
 * pixel fully white when at least half its samples hit the rocket and fully
 * transparent otherwise, so it contains only those two colours.
 */
function render(size: number, palette: Record<Part | 'background', Colour>, binary: boolean): Rgba {
  const n = 4;
  const data = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      let hits = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const part = rocketPartAt((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          const colour = palette[part ?? 'background'];
          if (colour[3] > 0) hits++;
          // Premultiplied accumulation so transparent samples do not darken edges.
          acc[0]! += colour[0] * colour[3];
          acc[1]! += colour[1] * colour[3];
          acc[2]! += colour[2] * colour[3];
          acc[3]! += colour[3];
        }
      }
      const o = (py * size + px) * 4;
      if (binary) {
        const on = hits * 2 >= n * n;
        data.set(on ? [255, 255, 255, 255] : [0, 0, 0, 0], o);
      } else {
        const alpha = acc[3]!;
        data[o] = alpha ? Math.round(acc[0]! / alpha) : 0;
        data[o + 1] = alpha ? Math.round(acc[1]! / alpha) : 0;
        data[o + 2] = alpha ? Math.round(acc[2]! / alpha) : 0;
        data[o + 3] = Math.round(alpha / (n * n));
      }
    }
  }
  return { width: size, height: size, data };
}

const BLUE: Colour = [0x1f, 0x5f, 0xd6, 255];

export function drawColorIcon(): Rgba {
  return render(
    192,
    {
      background: BLUE,
      body: [0xff, 0xff, 0xff, 255],
      window: [0x0b, 0x2e, 0x6e, 255],
      fin: [0xe5, 0x48, 0x3b, 255],
      flame: [0xff, 0xb0, 0x20, 255],
    },
    false,
  );
}

export function drawOutlineIcon(): Rgba {
  const white: Colour = [255, 255, 255, 255];
  const none: Colour = [0, 0, 0, 0];
  return render(32, { background: none, body: white, window: none, fin: white, flame: white }, true);
}

/** Writes color.png and outline.png into `dir`; returns the two paths. */
export function writeIcons(dir: string): { color: string; outline: string } {
  mkdirSync(dir, { recursive: true });
  const color = join(dir, 'color.png');
  const outline = join(dir, 'outline.png');
  writeFileSync(color, encodePng(drawColorIcon()));
  writeFileSync(outline, encodePng(drawOutlineIcon()));
  return { color, outline };
}

if (require.main === module) {
  const written = writeIcons(resolve(__dirname, '..', 'manifest'));
  console.log(`Wrote ${written.color} (192x192) and ${written.outline} (32x32).`);
}
