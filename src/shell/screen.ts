// Output of the shell around its readline prompt: messages and the live bench block printed above the prompt, keeping what the user is typing.
import { clearScreenDown, cursorTo, moveCursor, type Interface } from 'node:readline';

export class PromptScreen {
  /** screen rows of the live block right above the prompt; 0 once anything else was printed after it */
  private liveRows = 0;
  /** a command is running: its output goes straight out and no prompt is shown */
  private busy = false;
  private closed = false;

  constructor(
    private readonly rl: Interface,
    private readonly out: NodeJS.WriteStream,
  ) {}

  get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  commandStarted(): void {
    this.busy = true;
    this.liveRows = 0;
  }

  commandEnded(): void {
    this.liveRows = 0;
    if (this.closed) return;
    this.busy = false;
    this.rl.prompt();
  }

  /** readline is closed: from now on output goes straight out, the live block no more */
  close(): void {
    this.closed = true;
    this.busy = true;
  }

  /** Draws the live block: in place of the previous one when nothing was printed since, else below what was. */
  live(lines: string[]): void {
    if (this.busy) return; // the next sample after the command draws it (or none, once closed)
    const text = `${lines.join('\n')}\n`;
    if (!this.tty) return void this.out.write(text);
    const rows = lines.reduce((n, l) => n + this.rowsOf(l), 0);
    const inPlace = this.liveRows > 0 && this.liveRows + rows < (this.out.rows ?? 24) - 1;
    this.above(() => this.out.write(text), inPlace ? this.liveRows : 0);
    this.liveRows = rows;
  }

  /** Prints above the prompt (or straight out while a command runs): a line, or what `write` prints. */
  message(what: string | (() => void)): void {
    const write = typeof what === 'string' ? () => this.out.write(`${what}\n`) : what;
    if (this.busy || !this.tty) return write();
    this.above(write, 0);
    this.liveRows = 0;
  }

  private rowsOf(line: string): number {
    return Math.max(1, Math.ceil(line.length / (this.out.columns || 80)));
  }

  /** Erases the prompt (and `extraRows` rows above it), writes, and puts the prompt with the typed line back. */
  private above(write: () => void, extraRows: number): void {
    const typedRows = this.rl.getCursorPos().rows;
    cursorTo(this.out, 0);
    moveCursor(this.out, 0, -(typedRows + extraRows));
    clearScreenDown(this.out);
    write();
    // readline moves up as many rows as the cursor was below the prompt's start before it redraws: give it blank ones
    this.out.write('\n'.repeat(typedRows));
    this.rl.prompt(true);
  }
}
