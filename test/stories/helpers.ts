/** Newsroom test helpers: members with a session cookie, and a local feed server. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/platform/schema.ts';
import { insertMember, insertSession } from '../../src/members/store.ts';
import { hashToken, newToken } from '../../src/members/tokens.ts';

/** A member with the role, signed in: returns the cookie header (session + CSRF) and the token. */
export async function signedIn(
  db: Kysely<Database>,
  email: string,
  role: 'reader' | 'editor' | 'admin',
) {
  const now = new Date().toISOString();
  const memberId = await insertMember(db, {
    email,
    passwordHash: null,
    role,
    declaredUse: null,
    workOrganisation: null,
    emailVerifiedAt: now,
    now,
  });
  const token = newToken();
  await insertSession(db, {
    hash: hashToken(token),
    memberId,
    now,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    userAgent: 'test',
  });
  const csrf = 'c'.repeat(40);
  return { memberId, token, csrf, cookie: `bs_session=${token}; bs_csrf=${csrf}` };
}

export function form(fields: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export async function feedServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const RSS = (
  items: { guid?: string; title: string; link: string; description?: string; pubDate?: string }[],
) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Partner Wire</title><link>https://partner.example/</link><description>Partner news</description>
${items.map((i) => `<item><title>${i.title}</title><link>${i.link}</link>${i.guid ? `<guid>${i.guid}</guid>` : ''}<description><![CDATA[${i.description ?? ''}]]></description><pubDate>${i.pubDate ?? 'Tue, 10 Jun 2025 04:00:00 GMT'}</pubDate></item>`).join('\n')}
</channel></rss>`;

export const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Partner</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-06-10T18:30:02Z</updated>
  <entry>
    <title type="html">Floods &amp;amp; drought in the &lt;b&gt;south&lt;/b&gt;</title>
    <link href="https://atom.example/2025/floods"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2025-06-10T18:30:02Z</updated>
    <summary type="html">&lt;p&gt;Rivers rose &lt;a href="https://x.example"&gt;fast&lt;/a&gt;.&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title>Bad link entry</title>
    <link href="javascript:alert(1)"/>
    <id>urn:uuid:bad</id>
    <updated>2025-06-09T18:30:02Z</updated>
  </entry>
</feed>`;
