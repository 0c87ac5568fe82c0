/**
 * Readers are linear and bounded: byte-order marks in every format, a field over the size limit
 * becomes that record's error (the rest is read), and the csv reader's work grows linearly with a
 * field's size however small the chunks it arrives in (counted, not timed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  decodeText,
  detectFormat,
  readAllCables,
  type ReaderItem,
  type ReaderStats,
} from '../../src/cables/readers.ts';
import type { RawCable } from '../../src/cables/parse/types.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'cable-readers-bounded-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function ok(item: ReaderItem): RawCable {
  if (!item.ok) assert.fail(`expected a cable, got error: ${item.error}`);
  return item.raw;
}

function q(s: string): string {
  return '"' + s.replace(/[\\"']/g, (m) => '\\' + m) + '"';
}

function row(n: number, body: string): string {
  return (
    [
      q(String(n)),
      q('3/4/2009 5:06'),
      q(`09LIMA${n}`),
      q('Embassy Lima'),
      q('CONFIDENTIAL'),
      q(''),
      q('O 040506Z MAR 09\nFM AMEMBASSY LIMA'),
      q(body),
    ].join(',') + '\n'
  );
}

function streamOf(buf: Buffer, chunk: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.from('\ufeff' + text, 'utf16le');
  return endian === 'le' ? le : le.swap16();
}

const CSV =
  row(1, 'first body, with a comma\nand a second line') +
  row(2, 'second body') +
  row(3, 'Café ünïcode body');

test('csv with a UTF-8 byte-order mark keeps its first cable (file and streams of any chunk size)', async () => {
  const bytes = Buffer.concat([UTF8_BOM, Buffer.from(CSV)]);
  const file = path.join(tmp, 'bom.csv');
  writeFileSync(file, bytes);
  const plain = (
    await readAllCables(streamOf(Buffer.from(CSV), 1 << 16), { format: 'csv', name: 'bom.csv' })
  ).map(ok);
  assert.equal(plain.length, 3);
  for (const items of [
    await readAllCables(file),
    await readAllCables(file, { format: 'csv' }),
    ...(await Promise.all(
      [1, 2, 5, 1 << 16].map((c) =>
        readAllCables(streamOf(bytes, c), { format: 'csv', name: 'bom.csv' }),
      ),
    )),
  ]) {
    assert.equal(items.length, 3);
    assert.deepEqual(items.map(ok), plain);
    // Offsets stay those of the file: the first record starts after the mark.
    assert.equal(items[0].position.byteOffset, 3);
    assert.equal(items[2].position.byteEnd, bytes.length);
  }
  assert.equal(detectFormat('x.dat', bytes), 'csv');
});

test('csv and jsonl in UTF-16 (either byte order) read like their UTF-8 text', async () => {
  const plain = (await readAllCables(streamOf(Buffer.from(CSV), 1 << 16), { format: 'csv' })).map(
    ok,
  );
  const jsonl = [
    '{"reference_id":"09LIMA7","created":"2009-03-04","body":"Ünïcode body"}',
    '{"reference_id":"09LIMA8","body":"second"}',
    '',
  ].join('\r\n');
  for (const endian of ['le', 'be'] as const) {
    const bytes = utf16(CSV, endian);
    const file = path.join(tmp, `utf16${endian}.csv`);
    writeFileSync(file, bytes);
    assert.equal(detectFormat('x.dat', bytes), 'csv');
    assert.deepEqual(
      (await readAllCables(file)).map(ok),
      plain.map((c) => ({ ...c, source: c.source!.replace('input', `utf16${endian}.csv`) })),
    );
    for (const chunk of [1, 3, 4096])
      assert.deepEqual(
        (await readAllCables(streamOf(bytes, chunk), { format: 'csv' })).map(ok),
        plain,
      );
    const j = await readAllCables(streamOf(utf16(jsonl, endian), 5), { format: 'auto' });
    assert.deepEqual(
      j.map(ok).map((c) => [c.referenceId, c.body]),
      [
        ['09LIMA7', 'Ünïcode body'],
        ['09LIMA8', 'second'],
      ],
    );
  }
});

test('jsonl with a UTF-8 byte-order mark keeps its first line', async () => {
  const bytes = Buffer.concat([
    UTF8_BOM,
    Buffer.from(
      '{"reference_id":"09LIMA1","body":"one"}\n{"reference_id":"09LIMA2","body":"two"}\n',
    ),
  ]);
  for (const chunk of [1, 2, 1024]) {
    const items = await readAllCables(streamOf(bytes, chunk), { format: 'auto' });
    assert.deepEqual(
      items.map(ok).map((c) => c.referenceId),
      ['09LIMA1', '09LIMA2'],
    );
  }
});

test('text and html: UTF-8 and UTF-16 byte-order marks are decoded and dropped', async () => {
  const text = 'UNCLAS LIMA 000001\r\n\r\nSUBJECT: Café politics\r\n';
  for (const bytes of [
    Buffer.concat([UTF8_BOM, Buffer.from(text)]),
    utf16(text, 'le'),
    utf16(text, 'be'),
  ]) {
    assert.equal(decodeText(bytes), 'UNCLAS LIMA 000001\n\nSUBJECT: Café politics\n');
    const file = path.join(tmp, '09LIMA1.txt');
    writeFileSync(file, bytes);
    const [item] = await readAllCables(file);
    assert.equal(ok(item).referenceId, '09LIMA1');
    assert.match(ok(item).body, /^UNCLAS LIMA 000001\n\nSUBJECT: Café politics/);
  }
  const html = `<html><body><h3>Viewing cable 09LIMA9, Café</h3><table class="cable"><tr><th>Reference ID</th><th>Created</th><th>Released</th><th>Classification</th><th>Origin</th></tr><tr><td>09LIMA9</td><td>2009-03-04 05:06</td><td>2011-01-01 00:00</td><td>SECRET</td><td>Embassy Lima</td></tr></table><pre>HEADER</pre><pre>SECRET LIMA 000009 Café</pre></body></html>`;
  for (const bytes of [
    Buffer.concat([UTF8_BOM, Buffer.from(html)]),
    utf16(html, 'le'),
    utf16(html, 'be'),
  ]) {
    assert.equal(detectFormat('page.dat', bytes), 'html');
    const [item] = await readAllCables(streamOf(bytes, 7), { format: 'auto' });
    assert.equal(ok(item).referenceId, '09LIMA9');
    assert.equal(ok(item).body, 'SECRET LIMA 000009 Café');
  }
});

test('csv: a field over the size limit is that record’s error; the records around it are read', async () => {
  const limit = 64 * 1024;
  const huge = 'x'.repeat(200 * 1024) + '\nlast line of a very long body';
  const escaped = 'it\'s "quoted"\n'.repeat(20_000); // escapes inside the oversize field
  const rows = [
    row(1, 'before'),
    row(2, huge),
    row(3, 'between'),
    row(4, escaped),
    row(5, 'after'),
  ];
  const bytes = Buffer.from(rows.join(''));
  const starts = rows.map((_, i) => Buffer.byteLength(rows.slice(0, i).join('')));
  starts.push(bytes.length);
  for (const chunk of [1000, 4096, 1 << 20, bytes.length]) {
    const items = await readAllCables(streamOf(bytes, chunk), {
      format: 'csv',
      name: 'big.csv',
      maxFieldBytes: limit,
    });
    assert.equal(items.length, 5, `chunk ${chunk}`);
    assert.deepEqual(
      items.filter((i) => i.ok).map((i) => ok(i).body),
      ['before', 'between', 'after'],
    );
    for (const k of [1, 3]) {
      const e = items[k];
      assert.equal(e.ok, false);
      assert.match(
        (e as { error: string }).error,
        new RegExp(`^big\\.csv row ${k + 1} \\(line \\d+\\): field 8 is larger than 64 KiB`),
      );
      assert.equal(e.position.byteOffset, starts[k]);
      assert.equal(e.position.byteEnd, starts[k + 1]);
    }
    // Lines and indexes stay right after the refused records.
    assert.deepEqual(
      items.map((i) => i.position.index),
      [0, 1, 2, 3, 4],
    );
    assert.equal(items[2].position.line, 1 + 2 + 3);
    assert.equal(items[4].position.line, 1 + 2 + 3 + 2 + 20_002);
    assert.equal(items[4].position.byteEnd, bytes.length);
  }
});

test('csv: the work of reading a long field grows linearly with its size, in any chunk size', async () => {
  const measure = async (fieldBytes: number, chunk: number) => {
    const body = 'abcdefgh\\'.repeat(Math.ceil(fieldBytes / 9)).slice(0, fieldBytes);
    const bytes = Buffer.from(row(1, 'short') + row(2, body) + row(3, 'short again'));
    const stats: ReaderStats = { bytesCopied: 0, bytesParsed: 0 };
    const items = await readAllCables(streamOf(bytes, chunk), { format: 'csv', stats });
    assert.equal(items.length, 3);
    assert.equal(ok(items[1]).body, body);
    return { ...stats, size: bytes.length };
  };
  for (const chunk of [512, 4096]) {
    const small = await measure(256 * 1024, chunk);
    const large = await measure(1024 * 1024, chunk);
    for (const s of [small, large]) {
      assert.ok(
        s.bytesCopied <= 3 * s.size,
        `copied ${s.bytesCopied} bytes for a ${s.size}-byte input in ${chunk}-byte chunks`,
      );
      assert.ok(
        s.bytesParsed <= 3 * s.size,
        `parsed ${s.bytesParsed} bytes for a ${s.size}-byte input in ${chunk}-byte chunks`,
      );
    }
    // Four times the field, (about) four times the work: not sixteen.
    assert.ok(large.bytesCopied + large.bytesParsed <= 5 * (small.bytesCopied + small.bytesParsed));
  }
});

test('jsonl: a line over the size limit is that record’s error; the lines around it are read', async () => {
  const lines = [
    '{"reference_id":"09LIMA1","body":"one"}',
    `{"reference_id":"09LIMA2","body":"${'y'.repeat(100_000)}"}`,
    '{"reference_id":"09LIMA3","body":"three"}',
    '',
  ];
  const bytes = Buffer.from(lines.join('\n'));
  for (const chunk of [100, 4096, bytes.length]) {
    const items = await readAllCables(streamOf(bytes, chunk), {
      format: 'jsonl',
      name: 'big.jsonl',
      maxFieldBytes: 32 * 1024,
    });
    assert.equal(items.length, 3, `chunk ${chunk}`);
    assert.deepEqual(
      items.filter((i) => i.ok).map((i) => ok(i).referenceId),
      ['09LIMA1', '09LIMA3'],
    );
    assert.equal(
      (items[1] as { error: string }).error,
      'big.jsonl line 2: the line is larger than 32 KiB',
    );
    assert.deepEqual(items[1].position, {
      index: 1,
      line: 2,
      byteOffset: lines[0].length + 1,
      byteEnd: lines[0].length + lines[1].length + 2,
    });
    assert.deepEqual(items[2].position, {
      index: 2,
      line: 3,
      byteOffset: lines[0].length + lines[1].length + 2,
      byteEnd: bytes.length,
    });
  }
});
