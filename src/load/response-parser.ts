// Incremental HTTP/1.x response framing: status line, Content-Length / chunked / until-close bodies, X-Served-By, keep-alive.
import { LabError } from '../util/errors.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const HEAD_LIMIT = 64 * 1024;

const S_HEAD = 0;
const S_LENGTH = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_CRLF = 4;
const S_TRAILER = 5;
const S_UNTIL_EOF = 6;
const S_DONE = 7;

const name = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const H_CONTENT_LENGTH = name('content-length');
const H_SERVED_BY = name('x-served-by');
const H_CONNECTION = name('connection');
const H_TRANSFER_ENCODING = name('transfer-encoding');
const H_LOCATION = name('location');

/** A server's answer that is not HTTP/1.1 as the generator reads it (counted as an error of the request). */
export class ResponseParseError extends LabError {
  override name = 'ResponseParseError';
  readonly code = 'EPARSE';
}

/** Case-insensitive match of buf[start, start+lower.length) against a lower-case header name. */
function nameIs(buf: Buffer, start: number, len: number, lower: Uint8Array): boolean {
  if (len !== lower.length) return false;
  for (let i = 0; i < len; i++) if ((buf[start + i]! | 0x20) !== lower[i]) return false;
  return true;
}

/** One parser per connection; `reset()` before each request. */
export class ResponseParser {
  status = 0;
  servedBy = '';
  /** the Location header of a 3xx answer ('' when absent or another status) */
  location = '';
  /** false when the server will close (Connection: close, HTTP/1.0 without keep-alive, body until EOF) */
  keepAlive = true;
  bytesSeen = 0;
  private state = S_HEAD;
  private carry: Buffer | null = null;
  private remaining = 0;
  private chunked = false;
  private lineBytes = 0;
  private skipExt = false;
  private lastServedBy: Uint8Array = new Uint8Array(0);
  private lastServedByText = '';

  reset(): void {
    this.status = 0;
    this.servedBy = '';
    this.location = '';
    this.keepAlive = true;
    this.bytesSeen = 0;
    this.state = S_HEAD;
    this.carry = null;
    this.remaining = 0;
    this.chunked = false;
    this.lineBytes = 0;
    this.skipExt = false;
  }

  get done(): boolean {
    return this.state === S_DONE;
  }

  /** True when the body runs until the server closes, so EOF completes the response. */
  get endsAtEof(): boolean {
    return this.state === S_UNTIL_EOF;
  }

  /** Feeds buf[start, end); returns true once the response is complete. Throws ResponseParseError. */
  feed(buf: Buffer, start: number, end: number): boolean {
    this.bytesSeen += end - start;
    let p = start;
    if (this.state === S_HEAD) {
      let b = buf;
      let e = end;
      if (this.carry !== null) {
        b = Buffer.concat([this.carry, buf.subarray(start, end)]);
        p = 0;
        e = b.length;
      }
      const idx = b.indexOf(CRLFCRLF, p);
      if (idx === -1 || idx + 4 > e) {
        if (e - p > HEAD_LIMIT) throw new ResponseParseError('response head larger than 64 KiB');
        this.carry = Buffer.from(b.subarray(p, e));
        return false;
      }
      this.carry = null;
      this.parseHead(b, p, idx);
      buf = b;
      end = e;
      p = idx + 4;
    }
    return this.feedBody(buf, p, end);
  }

  /** The X-Served-By value as a string; the last one's string is reused when the bytes repeat (no allocation per response). */
  private servedByOf(b: Buffer, vs: number, ve: number): string {
    const last = this.lastServedBy;
    const n = ve - vs;
    if (last.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (last[i] !== b[vs + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastServedByText;
    }
    this.lastServedBy = Buffer.from(b.subarray(vs, ve));
    this.lastServedByText = b.toString('latin1', vs, ve);
    return this.lastServedByText;
  }

  private parseHead(b: Buffer, start: number, headEnd: number): void {
    // "HTTP/1.x NNN"
    if (headEnd - start < 12 || b[start] !== 0x48 || b[start + 4] !== 0x2f || b[start + 5] !== 0x31 || b[start + 6] !== 0x2e) {
      throw new ResponseParseError('not an HTTP/1.x status line');
    }
    const http10 = b[start + 7] === 0x30;
    const d0 = b[start + 9]! - 48;
    const d1 = b[start + 10]! - 48;
    const d2 = b[start + 11]! - 48;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw new ResponseParseError('bad status code');
    this.status = d0 * 100 + d1 * 10 + d2;
    this.keepAlive = !http10;
    let length = -1;
    let p = b.indexOf(10, start) + 1; // after the status line
    while (p > 0 && p < headEnd) {
      let le = b.indexOf(13, p);
      if (le === -1 || le > headEnd) le = headEnd;
      const colon = b.indexOf(58, p);
      if (colon !== -1 && colon < le) {
        const nlen = colon - p;
        let vs = colon + 1;
        while (vs < le && (b[vs] === 32 || b[vs] === 9)) vs++;
        let ve = le;
        while (ve > vs && (b[ve - 1] === 32 || b[ve - 1] === 9)) ve--;
        const first = b[p]! | 0x20;
        if (first === 0x63) {
          if (nameIs(b, p, nlen, H_CONTENT_LENGTH)) {
            length = 0;
            for (let i = vs; i < ve; i++) {
              const d = b[i]! - 48;
              if (d < 0 || d > 9) throw new ResponseParseError('bad Content-Length');
              length = length * 10 + d;
            }
          } else if (nameIs(b, p, nlen, H_CONNECTION)) {
            const v = b.toString('latin1', vs, ve).toLowerCase();
            if (v.includes('close')) this.keepAlive = false;
            else if (v.includes('keep-alive')) this.keepAlive = true;
          }
        } else if (first === 0x78) {
          if (nameIs(b, p, nlen, H_SERVED_BY)) this.servedBy = this.servedByOf(b, vs, ve);
        } else if (first === 0x6c) {
          if (this.status >= 300 && this.status < 400 && nameIs(b, p, nlen, H_LOCATION)) this.location = b.toString('latin1', vs, ve);
        } else if (first === 0x74) {
          if (nameIs(b, p, nlen, H_TRANSFER_ENCODING) && b.toString('latin1', vs, ve).toLowerCase().includes('chunked')) this.chunked = true;
        }
      }
      p = le + 2;
    }
    const s = this.status;
    if ((s >= 100 && s < 200) || s === 204 || s === 304) this.state = S_DONE;
    else if (this.chunked) this.state = S_CHUNK_SIZE;
    else if (length >= 0) {
      this.remaining = length;
      this.state = length === 0 ? S_DONE : S_LENGTH;
    } else {
      this.keepAlive = false;
      this.state = S_UNTIL_EOF;
    }
  }

  private feedBody(b: Buffer, p: number, end: number): boolean {
    while (p < end || this.state === S_DONE) {
      switch (this.state) {
        case S_DONE:
          return true;
        case S_UNTIL_EOF:
          return false;
        case S_LENGTH: {
          const n = Math.min(this.remaining, end - p);
          this.remaining -= n;
          p += n;
          if (this.remaining === 0) this.state = S_DONE;
          break;
        }
        case S_CHUNK_SIZE: {
          const c = b[p++]!;
          if (c === 10) {
            if (this.lineBytes === 0) throw new ResponseParseError('missing chunk size');
            this.lineBytes = 0;
            this.skipExt = false;
            this.state = this.remaining === 0 ? S_TRAILER : S_CHUNK_DATA;
          } else if (!this.skipExt) {
            const l = c | 0x20;
            const h = c >= 48 && c <= 57 ? c - 48 : l >= 97 && l <= 102 ? l - 87 : -1;
            if (h >= 0) {
              if (this.remaining > 0xfffffffffff) throw new ResponseParseError('chunk too large');
              this.remaining = this.remaining * 16 + h;
              this.lineBytes++;
            } else if (c === 59 || c === 13 || c === 32 || c === 9) {
              if (this.lineBytes === 0) throw new ResponseParseError('missing chunk size');
              this.skipExt = true; // chunk extension or CR: ignore up to LF
            } else throw new ResponseParseError('bad chunk size');
          }
          break;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, end - p);
          this.remaining -= n;
          p += n;
          if (this.remaining === 0) {
            this.state = S_CHUNK_CRLF;
            this.lineBytes = 0;
          }
          break;
        }
        case S_CHUNK_CRLF: {
          const c = b[p++]!;
          if (c === 10) this.state = S_CHUNK_SIZE;
          else if (c !== 13) throw new ResponseParseError('missing CRLF after chunk');
          break;
        }
        case S_TRAILER: {
          // trailer lines until an empty one; lineBytes counts non-CR bytes of the current line
          const c = b[p++]!;
          if (c === 10) {
            if (this.lineBytes === 0) this.state = S_DONE;
            this.lineBytes = 0;
          } else if (c !== 13) this.lineBytes++;
          break;
        }
      }
    }
    return false;
  }
}
