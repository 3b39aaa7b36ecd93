/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider: the reader of logged output.
 *
 * Upstream, provider/pkg/provider/util/util.go `LogOutput` reads the logging pipe with a default bufio.Scanner
 * (ScanLines, at most bufio.MaxScanTokenSize = 64 KiB buffered). A line that does not fit (65 536 bytes or more
 * before its "\n") makes Scan return false with ErrTooLong, and LogOutput returns without reading the pipe again.
 * local/commandOutputs.go `run` keeps writing both streams into that io.Pipe (loggingWriter, through
 * io.MultiWriter): the next write blocks forever (an io.Pipe write waits for a reader), so exec's copy goroutine
 * stops, the child blocks once the OS pipe is full, and `cmd.Wait()` never returns — the Command hangs.
 */
import { StringDecoder } from "node:string_decoder";

/** bufio.MaxScanTokenSize: the scanner's buffer never grows past this. */
export const MAX_SCAN_TOKEN_SIZE = 64 * 1024;

/** Longest line (without its "\n") the scanner still returns: the line plus "\n" must fit the buffer. */
export const LONGEST_LOGGED_LINE = MAX_SCAN_TOKEN_SIZE - 1;

/**
 * Splits written bytes into lines like ScanLines (one message per line, "\n" and a trailing "\r" dropped).
 * `write` answers false when the write blocks forever, as upstream's loggingWriter.Write then does.
 */
export class LogScanner {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stopped = false;
  constructor(private readonly log: (line: string) => void) {}

  /** True once the scanner gave up (ErrTooLong): nothing more is read, every later write blocks. */
  get hasStopped(): boolean {
    return this.stopped;
  }

  write(chunk: Buffer): boolean {
    if (this.stopped) return false;
    let offset = 0;
    while (offset < chunk.length) {
      const nl = chunk.indexOf(0x0a, offset);
      const lineEnd = nl < 0 ? chunk.length : nl;
      // Scan fails when the buffer holds MAX_SCAN_TOKEN_SIZE bytes and none of them is "\n".
      const room = MAX_SCAN_TOKEN_SIZE - this.pendingBytes;
      if (lineEnd - offset >= room) {
        this.stopped = true;
        // The scanner consumed what filled its buffer; if anything of this write is left, the write blocks.
        return offset + room >= chunk.length;
      }
      this.pending.push(chunk.subarray(offset, lineEnd));
      this.pendingBytes += lineEnd - offset;
      if (nl < 0) break;
      this.emit();
      offset = nl + 1;
    }
    return true;
  }

  /** loggingWriter.Close(): EOF, so ScanLines returns a final line without "\n". */
  end(): void {
    if (!this.stopped && this.pendingBytes > 0) this.emit();
  }

  private emit(): void {
    const decoder = new StringDecoder("utf8");
    const line = decoder.write(Buffer.concat(this.pending)) + decoder.end();
    this.pending = [];
    this.pendingBytes = 0;
    this.log(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
}
