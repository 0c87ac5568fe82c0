import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  csvDateToIso,
  decodeText,
  detectFormat,
  readAllCables,
  readCables,
  splitHeaderBody,
  type ReaderItem,
} from '../../src/cables/readers.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import type { RawCable } from '../../src/cables/parse/types.ts';
import { requires } from '../prerequisites.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared', 'cables');
const hasShared = existsSync(path.join(shared, 'corpus'));
const skipShared = requires(hasShared, `shared cable corpus not found at ${shared}`);

const tmp = mkdtempSync(path.join(tmpdir(), 'cable-readers-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function ok(item: ReaderItem): RawCable {
  if (!item.ok) assert.fail(`expected a cable, got error: ${item.error}`);
  return item.raw;
}

/** MySQL-dump style quoting, as the dump writes it. */
function q(s: string): string {
  return '"' + s.replace(/[\\"']/g, (m) => '\\' + m) + '"';
}

function row(
  n: number,
  body: string,
  extra: Partial<Record<'id' | 'refs' | 'header', string>> = {},
): string {
  return (
    [
      q(String(n)),
      q('3/4/2009 5:06'),
      q(extra.id ?? `09LIMA${n}`),
      q('Embassy Lima'),
      q('CONFIDENTIAL'),
      q(extra.refs ?? ''),
      q(extra.header ?? 'O 040506Z MAR 09\nFM AMEMBASSY LIMA'),
      q(body),
    ].join(',') + '\n'
  );
}

function streamOf(data: string | Buffer, chunk: number): Readable {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

test('csvDateToIso converts the dump date format', () => {
  assert.equal(csvDateToIso('12/28/1966 18:48'), '1966-12-28T18:48:00Z');
  assert.equal(csvDateToIso('2/5/2010 9:03'), '2010-02-05T09:03:00Z');
  assert.equal(csvDateToIso('13/5/2010 9:03'), null);
  assert.equal(csvDateToIso('2010-02-05'), null);
});

test('detectFormat sniffs content, then the file extension', () => {
  assert.equal(detectFormat('x.dat', Buffer.from('"1","12/28/1966 18:48","66X1"')), 'csv');
  assert.equal(detectFormat('x.csv', Buffer.from('')), 'csv');
  assert.equal(detectFormat('x', Buffer.from('{"reference_id": "09LIMA1"}\n')), 'jsonl');
  assert.equal(
    detectFormat('x.txt', Buffer.from('<html><h3>Viewing cable 09LIMA1, X</h3>')),
    'html',
  );
  assert.equal(detectFormat('09LIMA1.txt', Buffer.from('\r\nVZCZCXRO1234\r\n')), 'text');
  assert.equal(detectFormat('noext', Buffer.from('UNCLAS LIMA 000001')), 'text');
});

test('csv: escapes, embedded newlines and line continuations', async () => {
  const body = 'He said \\"no\\" and it\'s done.\nPath C:\\\\temp\\ttab\\nnext';
  const raw =
    '"1","3/4/2009 5:06","09LIMA1","Embassy Lima","UNCLASSIFIED","09LIMA0|08STATE5","H1\nH2","' +
    body +
    '"\n' +
    // continuation style: every embedded line ends with a backslash (optionally + spaces)
    '"2","3/4/2009 5:07","09LIMA2","Embassy Lima","SECRET//NOFORN","","","line one\\\nline two \\  \nline three"\r\n';
  const items = await readAllCables(streamOf(raw, 1 << 16), { format: 'csv', name: 'cables.csv' });
  assert.equal(items.length, 2);
  const a = ok(items[0]);
  assert.equal(a.body, 'He said "no" and it\'s done.\nPath C:\\temp\ttab\nnext');
  assert.equal(a.header, 'H1\nH2');
  assert.deepEqual(a.references, ['09LIMA0', '08STATE5']);
  assert.equal(a.created, '3/4/2009 5:06');
  assert.equal(a.source, 'cables.csv row 1');
  const b = ok(items[1]);
  assert.equal(b.body, 'line one\nline two \nline three');
  assert.deepEqual(b.references, []);
  assert.equal(b.classification, 'SECRET//NOFORN');
  assert.deepEqual(items[1].position, {
    index: 1,
    line: 4,
    byteOffset: Buffer.byteLength(raw.slice(0, raw.indexOf('"2","3/4'))),
    byteEnd: Buffer.byteLength(raw),
  });
});

test('csv: generated rows round-trip through the reader byte for byte', async () => {
  const rows = [...generateCables({ count: 200, seed: 7 })];
  const file = path.join(tmp, 'gen200.csv');
  writeFileSync(file, rows.join(''));
  const items = await readAllCables(file);
  assert.equal(items.length, 200);
  let offset = 0;
  items.forEach((item, i) => {
    const c = ok(item);
    assert.equal(c.source, `gen200.csv row ${i + 1}`);
    assert.equal(item.position.index, i);
    assert.equal(item.position.byteOffset, offset);
    offset = item.position.byteEnd;
    // Re-serialize and compare with the generated row.
    const again =
      [
        String(i + 1),
        c.created!,
        c.referenceId!,
        c.origin!,
        c.classification!,
        c.references!.join('|'),
        c.header!,
        c.body,
      ]
        .map(q)
        .join(',') + '\n';
    assert.equal(again, rows[i]);
  });
  assert.equal(offset, Buffer.byteLength(rows.join('')));
  // Same records through tiny chunks (every state of the parser meets a chunk boundary).
  const small = rows.slice(0, 12).join('');
  const whole = await readAllCables(streamOf(small, 1 << 20), { format: 'csv' });
  for (const size of [1, 3, 64, 1000]) {
    const chunked = await readAllCables(streamOf(small, size), { format: 'csv' });
    assert.deepEqual(chunked, whole, `chunk size ${size}`);
  }
});

test('csv: the line-continuation variant reads back to the same cables', async () => {
  const plain = [...generateCables({ count: 30, seed: 3 })].join('');
  const cont = [...generateCables({ count: 30, seed: 3, lineContinuations: true })].join('');
  assert.notEqual(plain, cont);
  assert.ok(cont.includes('\\\n'));
  const a = (await readAllCables(streamOf(plain, 4096), { format: 'csv' })).map(ok);
  const b = (await readAllCables(streamOf(cont, 4096), { format: 'csv' })).map(ok);
  assert.deepEqual(b, a);
});

test('csv: a malformed row is reported with its position and reading continues', async () => {
  const r1 = row(1, 'first body\nline 2');
  const bad = row(2, 'x').replace('"x"', '"he said "yes" to it\nmore text"'); // unescaped quotes
  const r3 = row(3, 'third body');
  const short = '"4","3/4/2009 5:06","09LIMA4"\n'; // 3 fields
  const split = row(6, 'x').replace('"x"', '"a ",b\nfield"'); // 9 fields, then junk lines
  const r7 = row(7, 'seventh');
  const r5 = row(5, 'fifth\nbody\nhere');
  const text = r1 + bad + r3 + short + r5 + split + r7;
  for (const chunk of [1 << 16, 5]) {
    const items = await readAllCables(streamOf(text, chunk), { format: 'csv', name: 'cables.csv' });
    assert.equal(items.length, 7, `chunk ${chunk}`);
    assert.equal(ok(items[0]).referenceId, '09LIMA1');
    const e = items[1];
    assert.equal(e.ok, false);
    assert.match((e as { error: string }).error, /^cables\.csv row 2 \(line 4\): unexpected "yes/);
    assert.deepEqual(e.position, {
      index: 1,
      line: 4,
      byteOffset: Buffer.byteLength(r1),
      byteEnd: Buffer.byteLength(r1 + bad),
    });
    assert.equal(ok(items[2]).body, 'third body');
    assert.equal(items[2].position.line, 7);
    assert.equal(items[3].ok, false);
    assert.match(
      (items[3] as { error: string }).error,
      /row 4 \(line 9\): expected 8 fields, found 3/,
    );
    assert.equal(ok(items[4]).body, 'fifth\nbody\nhere');
    assert.equal(items[4].position.index, 4);
    assert.equal(items[4].position.line, 10);
    assert.equal(items[5].ok, false);
    assert.match(
      (items[5] as { error: string }).error,
      /row 6 \(line 14\): expected 8 fields, found 9/,
    );
    assert.equal(items[5].position.byteEnd, items[6].position.byteOffset);
    assert.equal(ok(items[6]).body, 'seventh');
    assert.equal(items[6].position.line, 17);
  }
});

test('csv: an unterminated last row is an error, not a hang', async () => {
  const text =
    row(1, 'fine') +
    '"2","3/4/2009 5:06","09LIMA2","Embassy Lima","SECRET","","","never closed\nat all';
  const items = await readAllCables(streamOf(text, 7), { format: 'csv' });
  assert.equal(items.length, 2);
  assert.equal(items[0].ok, true);
  assert.equal(items[1].ok, false);
  assert.match((items[1] as { error: string }).error, /unterminated/);
  assert.equal(items[1].position.byteEnd, Buffer.byteLength(text));
});

test('csv: resume from a reported byte offset', async () => {
  const rows = [...generateCables({ count: 60, seed: 11 })];
  const file = path.join(tmp, 'resume.csv');
  writeFileSync(file, rows.join(''));
  const all = await readAllCables(file);
  const k = 37;
  const resumed = await readAllCables(file, {
    startByte: all[k].position.byteOffset,
    startIndex: k,
    startLine: all[k].position.line,
  });
  assert.equal(resumed.length, 60 - k);
  assert.deepEqual(resumed, all.slice(k));
  // Without the counters the records are the same; only index/line restart.
  const bare = await readAllCables(file, { startByte: all[k - 1].position.byteEnd, format: 'csv' });
  assert.equal(ok(bare[0]).referenceId, ok(all[k]).referenceId);
  assert.equal(ok(bare[0]).source, `resume.csv row ${k + 1}`);
  assert.equal(bare[0].position.byteOffset, all[k].position.byteOffset);
});

test('jsonl: fields are mapped, bad lines are reported and skipped', async () => {
  const lines = [
    JSON.stringify({
      reference_id: '08LIMA12',
      created: '2008-01-02 03:04',
      released: '2011-08-30 01:44',
      classification: 'CONFIDENTIAL',
      origin: 'Embassy Lima',
      partial: false,
      media_urls: ['https://example.org/a'],
      header: 'VZCZCXRO0001',
      body: 'C O N F I D E N T I A L LIMA 000012',
    }),
    '{"reference_id": "08LIMA13", "body": ',
    '',
    JSON.stringify({ reference_id: '08LIMA14', body: 'text', partial: true, media_urls: [] }),
  ];
  const text = lines.join('\n') + '\n';
  const file = path.join(tmp, 'cables.jsonl');
  writeFileSync(file, text);
  const items = await readAllCables(file);
  assert.equal(items.length, 3);
  assert.deepEqual(ok(items[0]), {
    source: 'cables.jsonl line 1',
    referenceId: '08LIMA12',
    created: '2008-01-02 03:04',
    released: '2011-08-30 01:44',
    classification: 'CONFIDENTIAL',
    origin: 'Embassy Lima',
    partial: false,
    mediaUrls: ['https://example.org/a'],
    header: 'VZCZCXRO0001',
    body: 'C O N F I D E N T I A L LIMA 000012',
  });
  assert.equal(items[1].ok, false);
  assert.match((items[1] as { error: string }).error, /line 2: bad JSON/);
  assert.equal(items[1].position.line, 2);
  assert.equal(ok(items[2]).referenceId, '08LIMA14');
  assert.equal(items[2].position.line, 4);
  assert.equal(items[2].position.index, 2);
  const resumed = await readAllCables(file, { startByte: items[2].position.byteOffset });
  assert.equal(ok(resumed[0]).referenceId, '08LIMA14');
});

test('text: Latin-1 bytes, CRLF, header split and id from the file name', async () => {
  const lines = [
    '',
    'VZCZCXRO0042',
    'PP RUEHWEB',
    'DE RUEHFR #0042/01 0321200',
    'ZNY CCCCC ZZH',
    'P 011200Z FEB 09',
    'FM AMEMBASSY PARIS',
    'TO RUEHC/SECSTATE WASHDC PRIORITY 1234',
    'INFO RUEHZL/EUROPEAN POLITICAL COLLECTIVE PRIORITY',
    'C O N F I D E N T I A L SECTION 01 OF 02 PARIS 000042 ',
    ' ',
    'SIPDIS ',
    '\u00b61. (C) The caf\u00e9 meeting went well. ',
    '',
  ];
  const bytes = Buffer.from(lines.join('\r\n'), 'latin1');
  assert.equal(bytes.includes(Buffer.from([0xb6])), true);
  const file = path.join(tmp, '09PARIS42.txt');
  writeFileSync(file, bytes);
  const [item] = await readAllCables(file);
  const c = ok(item);
  assert.equal(c.referenceId, '09PARIS42');
  assert.equal(c.source, '09PARIS42.txt');
  assert.equal(c.header, lines.slice(1, 9).join('\n'));
  assert.ok(c.body.startsWith('C O N F I D E N T I A L SECTION 01 OF 02 PARIS 000042 \n \nSIPDIS'));
  assert.ok(c.body.includes('\u00b61. (C) The caf\u00e9 meeting'));
  assert.ok(!c.body.includes('\r'));
  // UTF-8 stays UTF-8.
  assert.equal(decodeText(Buffer.from('caf\u00e9 \u2019s\r\n', 'utf8')), 'caf\u00e9 \u2019s\n');
  // No routing header: all body, no id from a name that is not an id.
  const plain = path.join(tmp, 'notes.txt');
  writeFileSync(plain, 'UNCLAS LIMA 000001\r\n\r\nSUBJECT: X\r\n');
  const p = ok((await readAllCables(plain))[0]);
  assert.equal(p.header, '');
  assert.equal(p.body, 'UNCLAS LIMA 000001\n\nSUBJECT: X\n');
  assert.equal(p.referenceId, undefined);
  // Old-style header without routing indicators, ended by a blank line.
  const old = splitHeaderBody(
    'R 250930Z FEB 72\nFM AMEMBASSY TEHRAN\nTO SECSTATE WASHDC 7561\nINFO SECDEF\n\nUNCLASSIFIED TEHRAN 1164\n',
  );
  assert.equal(
    old.header,
    'R 250930Z FEB 72\nFM AMEMBASSY TEHRAN\nTO SECSTATE WASHDC 7561\nINFO SECDEF',
  );
  assert.equal(old.body, 'UNCLASSIFIED TEHRAN 1164\n');
});

const HTML_PAGE = `<!DOCTYPE html>
<html><head><title>Cable reference id: #07TESTPOST123</title></head>
<body>
<div class="pane big">
<h3>Viewing cable 07TESTPOST123, WIDGETS: MINISTRY &amp; PARLIAMENT DISAGREE</h3>
<table class='cable'>
<tr><th>Reference ID</th><th>Created</th><th>Released</th><th>Classification</th><th>Origin</th></tr>
<tr>
<td><a href='/cable/2007/05/07TESTPOST123.html'>07TESTPOST123</a></td>
<td><a href='/date/2007-05_0.html'>2007-05-14 09:09</a></td>
<td><a href='/reldate/2011-08-30_0.html'>2011-08-30 01:44</a></td>
<td><a href='/classification/4_0.html' title='unclassified'>CONFIDENTIAL</a></td>
<td><a href='/origin/99_0.html' title='Embassy Testpost'>Embassy Testpost</a></td>
</tr>
<tr><td colspan='5'>Appears in these articles:<br />
<a href='https://news.example.com/2011/story-one'>https://news.example.com/2011/story-one</a><br />
<a href="https://paper.example.org/x?a=1&amp;b=2">https://paper.example.org/x?a=1&amp;b=2</a>
</td></tr>
</table>
</div>
<div class='paginator'><a href='#'>1</a></div>
<code><pre>&#x000A;VZCZCXRO9999&#x000A;OO RUEHWEB&#x000A;DE RUEHTP #0123 1340909&#x000A;ZNY CCCCC ZZH&#x000A;O 140909Z MAY 07&#x000A;FM AMEMBASSY TESTPOST&#x000A;TO RUEHC/SECSTATE WASHDC IMMEDIATE 0001</pre></code>
<code><pre>&#x000A;C O N F I D E N T I A L TESTPOST 000123 &#x000A; &#x000A;SIPDIS &#x000A; &#x000A;E.O. 12958: DECL: 05/14/2017 &#x000A;TAGS: <a href='/tag/PREL_0.html'>PREL</a> <a href='/tag/PGOV_0.html'>PGOV</a> XX&#x000A;SUBJECT: WIDGETS: MINISTRY &amp; PARLIAMENT DISAGREE &#x000A; &#x000A;REF: <a href='/cable/2007/04/07TESTPOST99.html'>TESTPOST 99</a> &#x000A; &#x000A;<a id='par1' href='#par1'>&para;</a>1. (C) The &quot;widget&quot; law &lt;draft&gt; failed &#8212; again. &#x000A; &#x000A;<a id='par2' href='#par2'>¶</a>2. (C) Nothing else. &#x000A; &#x000A;DOE&#x000A;</pre></code>
</body></html>`;

test('html: a WikiLeaks cable page', async () => {
  const file = path.join(tmp, '07TESTPOST123.html');
  writeFileSync(file, HTML_PAGE);
  const items = await readAllCables(file);
  assert.equal(items.length, 1);
  const c = ok(items[0]);
  assert.equal(c.referenceId, '07TESTPOST123');
  assert.equal(c.created, '2007-05-14 09:09');
  assert.equal(c.released, '2011-08-30 01:44');
  assert.equal(c.classification, 'CONFIDENTIAL');
  assert.equal(c.origin, 'Embassy Testpost');
  assert.deepEqual(c.mediaUrls, [
    'https://news.example.com/2011/story-one',
    'https://paper.example.org/x?a=1&b=2',
  ]);
  assert.equal(c.partial, false);
  assert.ok(c.header!.startsWith('VZCZCXRO9999\nOO RUEHWEB\nDE RUEHTP #0123 1340909'));
  assert.ok(c.header!.endsWith('TO RUEHC/SECSTATE WASHDC IMMEDIATE 0001'));
  assert.ok(c.body.startsWith('C O N F I D E N T I A L TESTPOST 000123 \n \nSIPDIS'));
  assert.ok(
    c.body.includes('TAGS: PREL PGOV XX\nSUBJECT: WIDGETS: MINISTRY & PARLIAMENT DISAGREE \n'),
  );
  assert.ok(c.body.includes('REF: TESTPOST 99 \n'));
  assert.ok(c.body.includes('\n1. (C) The "widget" law <draft> failed \u2014 again. \n'));
  assert.ok(c.body.includes('\n2. (C) Nothing else.'));
  assert.ok(!c.body.includes('\u00b6'));
  assert.ok(c.body.endsWith('DOE'));

  // A partial extract: one <pre>, no media row.
  const partial = HTML_PAGE.replace(/<tr><td colspan='5'>Appears[\s\S]*?<\/tr>/, '').replace(
    /<code><pre>&#x000A;VZCZC[\s\S]*?<\/pre><\/code>/,
    '',
  );
  const p = ok((await readAllCables(Readable.from([Buffer.from(partial)]), { name: 'p.html' }))[0]);
  assert.equal(p.partial, true);
  assert.equal(p.header, '');
  assert.deepEqual(p.mediaUrls, []);
  assert.ok(p.body.startsWith('C O N F I D E N T I A L TESTPOST 000123'));

  const errs = await readAllCables(
    Readable.from([Buffer.from('<html><body>nothing</body></html>')]),
    { format: 'html' },
  );
  assert.equal(errs[0].ok, false);
});

test('shared corpus: the 2-row cables.csv sample', { skip: skipShared }, async () => {
  const items = await readAllCables(path.join(shared, 'corpus', 'cables_sample.csv'));
  assert.equal(items.length, 2);
  const [a, b] = items.map(ok);
  assert.equal(a.referenceId, '66BUENOSAIRES2481');
  assert.equal(a.created, '12/28/1966 18:48');
  assert.equal(csvDateToIso(a.created!), '1966-12-28T18:48:00Z');
  assert.equal(a.origin, 'Embassy Buenos Aires');
  assert.deepEqual(a.references, ['66STATE106206']);
  assert.ok(a.header!.startsWith('P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES'));
  assert.ok(a.body.startsWith('UNCLASSIFIED BUENOS AIRES 2481'));
  assert.ok(a.body.includes('OF "PREFERENTIAL JURISDICTION"'));
  assert.equal(b.referenceId, '72TEHRAN1164');
  assert.deepEqual(b.references, ['72MOSCOW1603', '72TEHRAN1091', '72TEHRAN263']);
  assert.ok(b.body.includes("SHAH'S"));
  assert.equal(items[1].position.byteOffset, items[0].position.byteEnd);
});

test(
  'shared corpus: every JSON-lines record reads without error',
  { skip: skipShared },
  async () => {
    let n = 0;
    for await (const item of readCables(
      path.join(shared, 'corpus', 'wikileaks_html_cables.jsonl'),
    )) {
      const c = ok(item);
      assert.ok(c.referenceId && c.body.length > 0, c.source);
      n++;
    }
    assert.ok(n >= 1000, `only ${n} records`);
  },
);

test('shared corpus: the raw text files', { skip: skipShared }, async () => {
  const dir = path.join(shared, 'corpus', 'raw-text');
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
  assert.equal(files.length, 24);
  for (const f of files) {
    const items = await readAllCables(path.join(dir, f));
    assert.equal(items.length, 1);
    const c = ok(items[0]);
    assert.equal(c.referenceId, f.replace(/\.txt$/, ''));
    assert.ok(!c.body.includes('\r'), f);
    assert.match(c.header!, /^(VZCZC[A-Z]+\d+|INFO +LOG-00)/, f);
    assert.match(c.header!, /\nFM [A-Z]/, f);
    assert.match(
      c.body,
      /^(UNCLAS|CONFIDENTIAL|SECRET|C O N F|S E C R E T)/,
      `${f}: ${c.body.slice(0, 60)}`,
    );
  }
});
