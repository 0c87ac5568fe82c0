// The seed cable 09LIMA1669, written out in cable form in test/fixtures/cables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCable, splitHeader, tagMeaning } from '../../src/cables/parse/index.ts';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cables');
const text = readFileSync(path.join(FIX, '09LIMA1669.txt'), 'utf8');
const { header, body } = splitHeader(text);
const p = parseCable({ referenceId: '09LIMA1669', header, body });

test('seed: identity, dates and routing', () => {
  assert.equal(p.referenceId, '09LIMA1669');
  assert.equal(p.wikileaksId, null);
  assert.equal(p.station, 'LIMA');
  assert.equal(p.origin, 'Embassy Lima');
  assert.equal(p.created, '2009-11-25T20:48:00Z');
  assert.equal(p.precedence, 'ROUTINE');
  assert.equal(p.transmissionId, 'VZCZCXYZ0001');
  assert.equal(p.section, 1);
  assert.deepEqual(p.recipients, [
    { route: 'RUEHC', name: 'SECSTATE WASHDC', precedence: null, mcn: '0001' },
  ]);
  assert.equal(p.infoRecipients.length, 2);
  assert.equal(p.infoRecipients[0].name, 'AMEMBASSY BOGOTA');
});

test('seed: caption', () => {
  assert.equal(p.classification, 'CONFIDENTIAL//NOFORN');
  assert.equal(p.declassify, '2019-11-25');
  assert.deepEqual(p.tags, ['PREL', 'PGOV', 'PTER', 'SNAR', 'MARR', 'PE']);
  assert.equal(p.subject, 'SCENESETTER FOR USSOUTHCOM COMMANDER, GENERAL DOUGLAS M. FRASER');
  assert.equal(p.title, 'Scenesetter for USSOUTHCOM Commander, General Douglas M. Fraser');
  assert.deepEqual(p.classifiedBy, ['P. Michael McKinley']);
  assert.deepEqual(p.reasons, ['1.4(a)', '1.4(b)', '1.4(d)']);
  assert.deepEqual(p.references, []);
});

test('seed: paragraphs, summary, signer', () => {
  assert.equal(p.paragraphs.length, 9);
  assert.deepEqual(
    p.paragraphs.map((x) => x.marking),
    ['C/NF', 'C', 'C', 'C', 'C', 'C/NF', 'C/NF', 'C/NF', 'C/NF'],
  );
  assert.equal(p.paragraphs[0].number, 1);
  assert.match(p.summary ?? '', /^Embassy Lima warmly welcomes you to Peru\./);
  assert.deepEqual(p.signers, ['MCKINLEY']);
  assert.ok(!p.body.includes('SIPDIS'));
});

test('tag meanings', () => {
  assert.equal(tagMeaning('PTER'), 'Terrorists and terrorism');
  assert.equal(tagMeaning('pgov'), 'Internal governmental affairs');
  assert.equal(tagMeaning('PE'), 'Peru');
  assert.equal(tagMeaning('KJUS'), 'Justice and rule of law');
  assert.equal(tagMeaning('NOTATAG'), null);
});
