// Terminal drawing: proportional bars and a progress bar for long runs.

/** The characters a bar is drawn with: block characters, or ASCII under NO_COLOR and TERM=dumb. */
export interface BarGlyphs { static: string; dynamic: string; done: string; left: string }

export const BLOCK_GLYPHS: BarGlyphs = { static: '▒', dynamic: '█', done: '█', left: '·' };
export const ASCII_GLYPHS: BarGlyphs = { static: '-', dynamic: '#', done: '#', left: '.' };

/** ASCII when the environment asks for plain output (NO_COLOR set and not empty, or TERM=dumb). */
export function glyphsFor(env: Readonly<Record<string, string | undefined>>): BarGlyphs {
  return (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb' ? ASCII_GLYPHS : BLOCK_GLYPHS;
}

/** A bar of `width` cells split between two shares, each share at least one cell when non-zero. */
export function splitBar(first: bigint, total: bigint, width = 50, marks: [string, string] = ['▒', '█']): string {
  if (total <= 0n) return '';
  let cells = Number((first * BigInt(width) + total / 2n) / total);
  if (first > 0n && cells === 0) cells = 1;
  if (first < total && cells === width) cells = width - 1;
  return marks[0].repeat(cells) + marks[1].repeat(width - cells);
}

/** A bar of `fraction` (0..1) of `width` cells. */
export function meterBar(fraction: number, width = 40, glyphs: BarGlyphs = BLOCK_GLYPHS): string {
  const cells = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return glyphs.done.repeat(cells) + glyphs.left.repeat(width - cells);
}

/** Progress on stderr (a terminal, unless told otherwise), shown only once a run has taken more than `delayMs`. */
export class Progress {
  readonly #started = Date.now();
  #lastDraw = 0;
  #shown = false;

  constructor(
    readonly label: string, readonly total: number, readonly stream: NodeJS.WriteStream = process.stderr, readonly delayMs = 1000,
    readonly enabled = stream.isTTY === true,
  ) {}

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.#started < this.delayMs || now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    this.#shown = true;
    const fraction = done / this.total;
    const text = `${this.label} [${meterBar(fraction, 30)}] ${Math.floor(fraction * 100)}% (${done}/${this.total})`;
    if (this.stream.isTTY) this.stream.write(`\r${text}`);
    else this.stream.write(`${text}\n`);
  }

  done(): void {
    if (this.#shown && this.stream.isTTY) this.stream.write('\n');
  }
}
