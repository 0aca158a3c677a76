// HTTP/1.x response framing used by the load generator: lengths, chunked, until-EOF, split input, bad input.
import t from 'tap';
import { ResponseParser } from '../../src/load/response-parser.js';

/** Feeds `text` in pieces of `step` bytes (through a larger buffer with stale bytes after `end`); returns true when complete. */
function feedAll(p: ResponseParser, text: string, step = text.length): boolean {
  const all = Buffer.from(text, 'latin1');
  let done = false;
  for (let i = 0; i < all.length; i += step) {
    const piece = all.subarray(i, Math.min(i + step, all.length));
    const buf = Buffer.alloc(piece.length + 16, '\r\n\r\n'); // stale bytes beyond the read length
    piece.copy(buf);
    done = p.feed(buf, 0, piece.length);
  }
  return done;
}

const ok = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Served-By: s3\r\nContent-Length: 3\r\n\r\ns3\n';

t.test('Content-Length body, whole and byte by byte', async (t) => {
  for (const step of [ok.length, 1, 7]) {
    const p = new ResponseParser();
    t.ok(feedAll(p, ok, step), `complete with step ${step}`);
    t.equal(p.status, 200);
    t.equal(p.servedBy, 's3');
    t.ok(p.keepAlive);
  }
  const p = new ResponseParser();
  t.notOk(feedAll(p, ok.slice(0, -1)), 'one body byte short is not complete');
});

t.test('header names are case-insensitive; values trimmed', async (t) => {
  const p = new ResponseParser();
  t.ok(feedAll(p, 'HTTP/1.1 503 Service Unavailable\r\nx-served-by:   s9 \r\ncontent-length:0\r\nCONNECTION: Close\r\n\r\n'));
  t.equal(p.status, 503);
  t.equal(p.servedBy, 's9');
  t.notOk(p.keepAlive);
});

t.test('HTTP/1.0: keep-alive only when asked', async (t) => {
  const a = new ResponseParser();
  feedAll(a, 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n');
  t.notOk(a.keepAlive);
  const b = new ResponseParser();
  feedAll(b, 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n');
  t.ok(b.keepAlive);
});

t.test('chunked bodies with extensions and trailers', async (t) => {
  const body = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Served-By: c\r\n\r\n5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n';
  for (const step of [body.length, 1, 3]) {
    const p = new ResponseParser();
    t.ok(feedAll(p, body, step), `step ${step}`);
    t.equal(p.servedBy, 'c');
    t.ok(p.keepAlive);
  }
  const p = new ResponseParser();
  t.notOk(feedAll(p, body.slice(0, -2)), 'no final empty line yet');
});

t.test('no length: body until EOF; 204 has none', async (t) => {
  const p = new ResponseParser();
  t.notOk(feedAll(p, 'HTTP/1.1 200 OK\r\n\r\nsome bytes'));
  t.ok(p.endsAtEof);
  t.notOk(p.keepAlive);
  const q = new ResponseParser();
  t.ok(feedAll(q, 'HTTP/1.1 204 No Content\r\n\r\n'));
});

t.test('reset() readies the parser for the next response', async (t) => {
  const p = new ResponseParser();
  feedAll(p, 'HTTP/1.1 500 Err\r\nX-Served-By: a\r\nContent-Length: 0\r\n\r\n');
  p.reset();
  t.ok(feedAll(p, ok));
  t.equal(p.status, 200);
  t.equal(p.servedBy, 's3');
});

t.test('bad input throws ResponseParseError', async (t) => {
  for (const bad of ['SMTP 220 hello\r\n\r\n', 'HTTP/1.1 2x0 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
    t.throws(() => feedAll(new ResponseParser(), bad), { name: 'ResponseParseError', code: 'EPARSE' }, JSON.stringify(bad));
  }
  t.throws(() => feedAll(new ResponseParser(), `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70000)}`), { name: 'ResponseParseError', message: /64 KiB/ }, 'head too large');
});
