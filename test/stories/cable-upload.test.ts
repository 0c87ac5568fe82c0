/** Cable import from the dashboard: an editor uploads a cables file; the importer job stores it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE, testSite } from '../helpers.ts';
import { signedIn } from './helpers.ts';
import { generateCables } from '../../tools/generate-cables.ts';
import { cableUploadJob } from '../../src/cables/uploads.ts';

type Site = Awaited<ReturnType<typeof testSite>>;
let site: Site;
before(async () => {
  site = await testSite({ DEMO: '0', JOBS: '0' });
});
after(() => site.cleanup());

function multipart(filename: string, content: string): { body: Buffer; type: string } {
  const boundary = '----broadsheet-test-boundary';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

test(`an editor uploads a cables file and sees its summary (${ENGINE})`, async () => {
  const editor = await signedIn(site.db.kysely, 'editor@example.org', 'editor');
  const reader = await signedIn(site.db.kysely, 'reader@example.org', 'reader');
  const csv = [...generateCables({ count: 12, seed: 3 })].join('');
  const upload = (cookie: string, token: string | null) => {
    const { body, type } = multipart('cables.csv', csv);
    return site.app.inject({
      method: 'POST',
      url: `/admin/cables${token ? `?_csrf=${token}` : ''}`,
      headers: { cookie, 'content-type': type },
      payload: body,
    });
  };

  const page = await site.app.inject({ url: '/admin/cables', headers: { cookie: editor.cookie } });
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes('enctype="multipart/form-data"'));

  assert.equal((await upload(editor.cookie, null)).statusCode, 403, 'no CSRF token');
  assert.equal((await upload(reader.cookie, reader.csrf)).statusCode, 403, 'readers cannot import');
  assert.equal(
    Number(
      (
        await site.db.kysely
          .selectFrom('cable_uploads')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    0,
  );

  const ok = await upload(editor.cookie, editor.csrf);
  assert.equal(ok.statusCode, 303);
  const id = Number(/\/admin\/cables\/(\d+)$/.exec(ok.headers.location as string)![1]);
  const queued = await site.app.inject({
    url: `/admin/cables/${id}/status`,
    headers: { cookie: editor.cookie },
  });
  assert.equal(queued.json().status, 'queued');

  // The job the worker would run (workers are off in this test).
  await cableUploadJob(site.db)({ uploadId: id }, undefined as never);
  const done = await site.app.inject({
    url: `/admin/cables/${id}/status`,
    headers: { cookie: editor.cookie },
  });
  const status = done.json();
  assert.equal(status.status, 'done', status.error);
  assert.equal(status.summary.new, 12);
  assert.equal(status.summary.skipped, 0);
  const cables = await site.db.kysely.selectFrom('cables').select('reference_id').execute();
  assert.equal(cables.length, 12);
  const progressPage = await site.app.inject({
    url: `/admin/cables/${id}`,
    headers: { cookie: editor.cookie },
  });
  assert.equal(progressPage.statusCode, 200);
  assert.ok(progressPage.body.includes('12'));
  // The uploaded copy is removed once imported.
  const row = await site.db.kysely
    .selectFrom('cable_uploads')
    .select('path')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(row.path), false);
});

test(`a malformed multipart upload is a 400 with a message, and records nothing (${ENGINE})`, async () => {
  const editor = await signedIn(site.db.kysely, 'editor2@example.org', 'editor');
  const before = Number(
    (
      await site.db.kysely
        .selectFrom('cable_uploads')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const boundary = '----broadsheet-test-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cables.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  const cases: [string, string, string | Buffer][] = [
    ['no boundary', 'multipart/form-data', `${head}"1","x"\r\n--${boundary}--\r\n`],
    [
      'cut off before the closing boundary',
      `multipart/form-data; boundary=${boundary}`,
      `${head}"1","3/4/2009 5:06","09LIMA1"`,
    ],
    [
      'headers never end',
      `multipart/form-data; boundary=${boundary}`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n`,
    ],
    ['not multipart at all', `multipart/form-data; boundary=${boundary}`, 'just some text'],
  ];
  for (const [what, type, payload] of cases) {
    const res = await site.app.inject({
      method: 'POST',
      url: `/admin/cables?_csrf=${editor.csrf}`,
      headers: { cookie: editor.cookie, 'content-type': type },
      payload,
    });
    assert.equal(res.statusCode, 400, `${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    assert.match(res.body, /upload could not be read|Choose a cables file/, what);
  }
  const after = Number(
    (
      await site.db.kysely
        .selectFrom('cable_uploads')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  assert.equal(after, before);
  const { readdirSync, existsSync } = await import('node:fs');
  const dir = `${site.config.dataDir}/uploads`;
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], 'no partial file is left behind');
});

test(`an upload that starts with a byte-order mark and has one oversized field imports every other cable (${ENGINE})`, async () => {
  const editor = await signedIn(site.db.kysely, 'editor3@example.org', 'editor');
  const rows = [...generateCables({ count: 5, seed: 9 })];
  // The third cable's body (the last field) is larger than a field may be (16 MiB).
  const cut = rows[2].lastIndexOf(',"');
  rows[2] = `${rows[2].slice(0, cut)},"${'x'.repeat(17 * 1024 * 1024)}"\n`;
  const { body, type } = multipart('bom.csv', `\ufeff${rows.join('')}`);
  const res = await site.app.inject({
    method: 'POST',
    url: `/admin/cables?_csrf=${editor.csrf}`,
    headers: { cookie: editor.cookie, 'content-type': type },
    payload: body,
  });
  assert.equal(res.statusCode, 303, res.body.slice(0, 200));
  const id = Number(/\/admin\/cables\/(\d+)$/.exec(res.headers.location as string)![1]);
  await cableUploadJob(site.db)({ uploadId: id }, undefined as never);
  const status = (
    await site.app.inject({
      url: `/admin/cables/${id}/status`,
      headers: { cookie: editor.cookie },
    })
  ).json();
  assert.equal(status.status, 'done', status.error);
  const s = status.summary;
  assert.equal(s.new + s.updated + s.unchanged, 4, JSON.stringify(s));
  assert.equal(s.skipped, 1, 'the oversized record is skipped, with its reason');
  assert.match(JSON.stringify(s.skippedReasons), /larger than/);
});
