// The terminal `watch` redraws in place: the alternate screen (as top and watch(1) use), the cursor hidden, each
// frame drawn from the top-left corner with every line cleared first and none longer than the terminal is wide,
// so nothing wraps and nothing is left behind. Leaving gives the terminal back and prints the last frame on the
// normal screen; it also happens when the process exits any other way.

import { writeSync } from "node:fs";
import { clip } from "./cells.js";

const ENTER = "\x1b[?1049h\x1b[?25l";
const LEAVE = "\x1b[?25h\x1b[?1049l";

/** A terminal drawn in place. */
export class Screen {
  private shown = false;
  private last: string[] = [];
  private readonly onExit = () => this.restore();
  private redraw: (() => void) | null = null;

  constructor(private readonly out: NodeJS.WriteStream & { fd: number } = process.stdout) {}

  get width(): number {
    return this.out.columns || 80;
  }

  get height(): number {
    return this.out.rows || 24;
  }

  /** Calls `redraw` whenever the terminal is resized (SIGWINCH). */
  onResize(redraw: () => void): void {
    this.redraw = redraw;
    this.out.on("resize", redraw);
  }

  /** Draws `lines` over the previous frame: at most one line per row, each cut to the width. */
  draw(lines: readonly string[]): void {
    if (!this.shown) {
      this.shown = true;
      process.on("exit", this.onExit);
      this.out.write(ENTER);
    }
    const rows = lines.slice(0, this.height).map((l) => clip(l, this.width));
    this.last = rows;
    // No newline after the last row: on the bottom row it would scroll the frame up by one.
    this.out.write(`\x1b[H${rows.map((l) => `\x1b[2K${l}`).join("\r\n")}\x1b[J`);
  }

  /** Gives the terminal back (cursor shown, normal screen) and prints the last frame there; idempotent. */
  leave(): void {
    if (!this.restore()) return;
    if (this.redraw) this.out.off("resize", this.redraw);
    if (this.last.length > 0) this.out.write(`${this.last.join("\n")}\n`);
  }

  /** Synchronous, so that it also works from an 'exit' handler; false when there was nothing to restore. */
  private restore(): boolean {
    if (!this.shown) return false;
    this.shown = false;
    process.off("exit", this.onExit);
    writeSync(this.out.fd, LEAVE);
    return true;
  }
}
