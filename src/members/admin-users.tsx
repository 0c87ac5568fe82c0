/**
 * /admin/users: the site's accounts for its administrators: who is staff, who has confirmed, who
 * reads for work. Roles are changed with `broadsheet users add EMAIL --role ROLE` (which also
 * creates an account), so the page only reads.
 */
import type { FastifyPluginAsync } from 'fastify';
import { h } from 'preact';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { badRequest, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import type { PageContext } from '../web/context.ts';
import { Layout } from '../web/layout.tsx';
import { formatCount, formatDateTime } from '../web/format.ts';
import type { MemberRow } from './store.ts';

export const USERS_PAGE_SIZE = 100;

const query = z.object({
  q: z.string().trim().max(254, 'The search is too long.').optional().default(''),
  page: z.coerce
    .number({ message: 'page must be a number' })
    .int('page must be a whole number')
    .min(1, 'page must be 1 or more')
    .max(100000, 'page is too large')
    .default(1),
});

interface UsersData {
  q: string;
  page: number;
  total: number;
  counts: { role: string; n: number }[];
  rows: MemberRow[];
}

export function usersAdminRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  return async (app) => {
    app.get(
      '/admin/users',
      { config: { policy: 'members.list', rateLimit: { max: 60, timeWindow: '1 minute' } } },
      async (req, reply) => {
        const parsed = query.safeParse(req.query);
        if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'bad query');
        const { q, page } = parsed.data;
        // Staff first, then the newest accounts; an email search matches any part of the address
        // (a % or _ in it matches like SQL's LIKE: only administrators search here).
        let list = db.selectFrom('members');
        if (q) list = list.where('email', 'like', `%${q.toLowerCase()}%`);
        const [ctx, rows, total, counts] = await Promise.all([
          pageContext(services, req, reply),
          list
            .selectAll()
            .orderBy(sql`case role when 'admin' then 0 when 'editor' then 1 else 2 end`)
            .orderBy('created_at', 'desc')
            .orderBy('id', 'desc')
            .limit(USERS_PAGE_SIZE)
            .offset((page - 1) * USERS_PAGE_SIZE)
            .execute(),
          list.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
          db
            .selectFrom('members')
            .select(['role', (eb) => eb.fn.countAll<number | string>().as('n')])
            .groupBy('role')
            .execute(),
        ]);
        return sendPage(
          req,
          reply,
          h(UsersPage, {
            ctx,
            data: {
              q,
              page,
              total: Number(total.n),
              counts: counts.map((c) => ({ role: c.role, n: Number(c.n) })),
              rows,
            },
          }),
        );
      },
    );
  };
}

const ROLE_ORDER = ['admin', 'editor', 'reader'];

function pageHref(q: string, page: number): string {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `/admin/users?${s}` : '/admin/users';
}

export function UsersPage({ ctx, data }: { ctx: PageContext; data: UsersData }) {
  const pages = Math.max(1, Math.ceil(data.total / USERS_PAGE_SIZE));
  const counts = [...data.counts].sort(
    (a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role),
  );
  return (
    <Layout ctx={ctx} title="Users" noindex>
      <div class="admin">
        <h1>Users</h1>
        <ul class="at-a-glance">
          {counts.map((c) => (
            <li key={c.role}>
              <strong>{formatCount(c.n)}</strong> {c.role}
              {c.n === 1 ? '' : 's'}
            </li>
          ))}
        </ul>
        <p>
          To make an account staff, or to create one, run{' '}
          <code>broadsheet users add EMAIL --role editor</code> (or <code>--role admin</code>,{' '}
          <code>--role reader</code>) on the server. Only confirmed accounts hold their role.
        </p>
        <form class="inline-form" method="get" action="/admin/users" role="search">
          <label for="users-q">Find by email</label>{' '}
          <input id="users-q" type="search" name="q" value={data.q} maxLength={254} />{' '}
          <button type="submit">Find</button>
        </form>
        <p class="meta">
          {data.q
            ? `${formatCount(data.total)} matching “${data.q}”`
            : `${formatCount(data.total)} account${data.total === 1 ? '' : 's'}`}
          {pages > 1 ? ` · page ${data.page} of ${pages}` : ''}
        </p>
        {data.rows.length ? (
          <div class="table-scroll">
            <table class="admin-table">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Confirmed</th>
                  <th>Reads for</th>
                  <th>Created</th>
                  <th>Last sign-in</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((m) => (
                  <tr key={m.id}>
                    <td class="url">{m.email}</td>
                    <td>{m.role}</td>
                    <td>{m.email_verified_at ? 'yes' : 'not yet'}</td>
                    <td>
                      {m.declared_use === 'work'
                        ? `work${m.work_organisation ? ` (${m.work_organisation})` : ''}`
                        : (m.declared_use ?? '—')}
                    </td>
                    <td>{formatDateTime(m.created_at)}</td>
                    <td>{m.last_login_at ? formatDateTime(m.last_login_at) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No account matches.</p>
        )}
        {pages > 1 ? (
          <nav class="pager" aria-label="Pages">
            {data.page > 1 ? <a href={pageHref(data.q, data.page - 1)}>← Previous</a> : <span />}
            {data.page < pages ? <a href={pageHref(data.q, data.page + 1)}>Next →</a> : <span />}
          </nav>
        ) : null}
      </div>
    </Layout>
  );
}
