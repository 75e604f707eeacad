/**
 * The GraphiQL page's icon (served by graphiqlAssets.ts, no CDN): an SVG the page links to,
 * and the same drawing as an ICO for `/favicon.ico`, which browsers (and bookmarks, and
 * tools) ask for on their own. The ICO is drawn from the same shapes at start-up rather than
 * committed as a binary: a speech bubble with three dots, in GraphQL's pink.
 */
const PINK = [0xe1, 0x00, 0x98] as const;
const SIZE = 32;

// The bubble: an ellipse with a tail at its lower left; three dots inside it.
const BUBBLE = { cx: 16, cy: 14.5, rx: 13.5, ry: 11.5 };
const TAIL: readonly (readonly [number, number])[] = [
  [6.5, 20],
  [4.5, 29.5],
  [14, 24.5],
];
const DOTS = [10, 16, 22].map((cx) => ({ cx, cy: 14.5, r: 2.3 }));

const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}">\
<ellipse cx="${BUBBLE.cx}" cy="${BUBBLE.cy}" rx="${BUBBLE.rx}" ry="${BUBBLE.ry}" fill="#e10098"/>\
<polygon points="${TAIL.map(([x, y]) => `${x},${y}`).join(' ')}" fill="#e10098"/>\
${DOTS.map((dot) => `<circle cx="${dot.cx}" cy="${dot.cy}" r="${dot.r}" fill="#fff"/>`).join('')}\
</svg>`;

function inTriangle(x: number, y: number): boolean {
  const [a, b, c] = TAIL as [readonly [number, number], readonly [number, number], readonly [number, number]];
  const side = (p: readonly [number, number], q: readonly [number, number]) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
}

/** RGBA of one point of the drawing. */
function colourAt(x: number, y: number): readonly [number, number, number, number] {
  if (DOTS.some((dot) => (x - dot.cx) ** 2 + (y - dot.cy) ** 2 <= dot.r ** 2)) return [255, 255, 255, 255];
  const inBubble = ((x - BUBBLE.cx) / BUBBLE.rx) ** 2 + ((y - BUBBLE.cy) / BUBBLE.ry) ** 2 <= 1;
  return inBubble || inTriangle(x, y) ? [...PINK, 255] : [0, 0, 0, 0];
}

/** A 32×32 32-bit ICO (one BMP image), each pixel averaged over 4×4 samples for smooth edges. */
function drawIco(): Buffer {
  const samples = 4;
  const pixels = Buffer.alloc(SIZE * SIZE * 4);
  for (let row = 0; row < SIZE; row++) {
    for (let col = 0; col < SIZE; col++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [cr, cg, cb, ca] = colourAt(col + (sx + 0.5) / samples, row + (sy + 0.5) / samples);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      // BMP rows run bottom-up, pixels are BGRA; colours are averaged weighted by coverage.
      const offset = ((SIZE - 1 - row) * SIZE + col) * 4;
      pixels[offset] = a === 0 ? 0 : Math.round(b / a);
      pixels[offset + 1] = a === 0 ? 0 : Math.round(g / a);
      pixels[offset + 2] = a === 0 ? 0 : Math.round(r / a);
      pixels[offset + 3] = Math.round(a / (samples * samples));
    }
  }
  // The 1-bit AND mask is required but unused with 32-bit pixels (alpha decides): all zero.
  const mask = Buffer.alloc((SIZE / 8) * SIZE);
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(SIZE, 4);
  info.writeInt32LE(SIZE * 2, 8); // image and mask, stacked
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(pixels.length + mask.length, 20);
  const image = Buffer.concat([info, pixels, mask]);
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(SIZE, 6);
  header.writeUInt8(SIZE, 7);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(header.length, 18);
  return Buffer.concat([header, image]);
}

export const FAVICON_SVG = Buffer.from(svg);
export const FAVICON_ICO = drawIco();
