/** The newsroom's front page (`/admin`): counts, feed errors, recent stories, the home-page leads and what other features add (src/stories/slots.ts). */
import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { nowIso } from '../../platform/db.ts';
import { badRequest } from '../../platform/http.ts';
import { parseInput } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import { storiesChanged } from '../admin-auth.ts';
import { storyQuery, type Story } from '../store.ts';
import { countPendingReleases } from '../press-releases.ts';
import { fillSlot } from '../slots.ts';
import { Dashboard } from '../admin-views.tsx';
import { perRowForm } from '../schemas.ts';
import type { NewsroomKit } from './common.ts';

export function dashboardRoutes(app: FastifyInstance, kit: NewsroomKit): void {
  const { db, page, services } = kit;

  async function storyList(limit: number, featuredOnly = false): Promise<Story[]> {
    let q = storyQuery(db);
    if (featuredOnly)
      q = q.where('stories.featured', '=', 1).where('stories.status', '=', 'published');
    return (await q
      .orderBy('stories.updated_at', 'desc')
      .orderBy('stories.id', 'desc')
      .limit(limit)
      .execute()) as Story[];
  }

  app.get('/admin', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
    const now = nowIso();
    const [drafts, scheduled, pendingReleases, feeds, stories, leads] = await Promise.all([
      db
        .selectFrom('stories')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'draft')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('stories')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'published')
        .where('published_at', '>', now)
        .executeTakeFirstOrThrow(),
      countPendingReleases(db),
      // Partner feeds that failed last time they were polled (src/feeds).
      db
        .selectFrom('partner_feeds')
        .select(['name', 'last_error'])
        .where('last_error', 'is not', null)
        .orderBy('name')
        .orderBy('id')
        .execute(),
      storyList(50),
      storyList(20, true),
    ]);
    const data = {
      drafts: Number(drafts.n),
      scheduled: Number(scheduled.n),
      pendingReleases,
      feedErrors: feeds
        .filter((f) => f.last_error)
        .map((f) => ({ name: f.name, error: f.last_error! })),
      stories,
      leads,
    };
    return page(req, reply, async (ctx) =>
      h(Dashboard, {
        ctx,
        data,
        notice: null,
        now,
        boxes: await fillSlot(req, 'newsroom', ctx, {}),
      }),
    );
  });

  // Home page leads: keep or drop each, and its position.
  app.post('/admin/leads', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
    const p = parseInput(perRowForm, req.body);
    if (!p.ok) throw badRequest(p.message);
    const b = p.value;
    const ids = Object.keys(b)
      .map((k) => /^pos_(\d+)$/.exec(k)?.[1])
      .filter((x): x is string => !!x)
      .map(Number);
    for (const id of ids) {
      const keep = b[`keep_${id}`] === '1';
      const pos = Math.max(1, Math.min(99, Math.trunc(Number(b[`pos_${id}`])) || 99));
      await db
        .updateTable('stories')
        .set(
          keep
            ? { lead_position: pos }
            : { featured: 0, lead_position: null, updated_at: nowIso() },
        )
        .where('id', '=', id)
        .execute();
    }
    // Order changes touch the lead stories' updated_at so cached pages are rendered again.
    await db
      .updateTable('stories')
      .set({ updated_at: nowIso() })
      .where('id', 'in', ids.length ? ids : [-1])
      .execute();
    storiesChanged(services);
    return redirectWith(req, reply, '/admin', {
      kind: 'ok',
      message: 'The home page leads are saved.',
    });
  });
}
