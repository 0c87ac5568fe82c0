/**
 * The newsroom (/admin, editors and admins): dashboard, story editor with preview, sections, home
 * page leads, the press-release queue and cable uploads; plus the public press-release form. Its
 * background work is in jobs.ts (uploaded cable imports) and src/feeds/jobs.ts (feed polling).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { h, type VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { HttpError, badRequest, notFound, sendPage } from '../platform/http.ts';
import { pageContext } from '../web/context.ts';
import { csrfCookie, fromThisSite } from '../platform/csrf.ts';
import { nowIso } from '../platform/db.ts';
import type { PageContext } from '../web/context.ts';
import { adServer } from '../ads/serve.ts';
import { storiesChanged } from './admin-auth.ts';
import { parseMarkdown, slugify } from './markdown.ts';
import { renderBlock } from './views.tsx';
import {
  createStory,
  ensureSource,
  getStory,
  listSections,
  storyPath,
  updateStory,
  type Story,
} from './store.ts';
import {
  approveRelease,
  countPendingReleases,
  editRelease,
  getRelease,
  recentDecisions,
  rejectRelease,
  releaseQueue,
  releaseStoryBody,
  submitRelease,
  type DecisionDeps,
} from './press-releases.ts';
import { getUpload, recentUploads, recordUpload } from './cable-uploads.ts';
import {
  CableUploadPage,
  CableUploadStatusPage,
  Dashboard,
  ReleaseEditPage,
  ReleaseQueuePage,
  SectionsPage,
  StoryForm,
  SubmitReleasePage,
  toLocalField,
  type StoryFormValues,
} from './admin-views.tsx';

export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Notices shown after a redirect (`?done=…`): no user text travels in the address. */
const DONE: Record<string, string> = {
  saved: 'Saved.',
  leads: 'The home page leads are saved.',
  sections: 'Sections saved.',
  'section-added': 'Section added.',
  approved: 'Published. The submitter has been mailed.',
  rejected: 'Rejected. The submitter has been told why.',
  edited: 'The release is updated.',
};
const doneNotice = (q: unknown) => DONE[str((q as Body)?.done)] ?? null;

/** The Markdown subset rendered as it will appear in a story. */
export function previewHtml(body: string): string {
  return render(
    h(
      'div',
      null,
      parseMarkdown(body).map((b, i) => renderBlock(b, i)),
    ) as VNode,
  ).replace(/^<div>|<\/div>$/g, '');
}

const storySchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'Write a headline.')
    .max(200, 'Keep the headline under 200 characters.'),
  teaser: z.string().trim().max(400, 'Keep the standfirst under 400 characters.').default(''),
  body: z.string().min(1, 'Write the text of the story.').max(500_000, 'The text is too long.'),
  section_id: z.coerce.number({ message: 'Choose a section.' }).int().positive('Choose a section.'),
  source: z.string().trim().max(200).default(''),
  author: z.string().trim().max(200).default(''),
  featured: z.string().optional(),
  status: z.enum(['draft', 'published', 'unpublished'], { message: 'Choose a status.' }),
  published_at: z
    .string()
    .trim()
    .default('')
    .refine(
      (v) => v === '' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v),
      'Give the publish time as a date and time.',
    ),
});

function formValues(b: Body, id?: number): StoryFormValues {
  const status = str(b.status);
  return {
    id,
    title: str(b.title),
    teaser: str(b.teaser),
    body: str(b.body),
    section_id: Number(b.section_id) || null,
    source: str(b.source),
    author: str(b.author),
    featured: b.featured === '1',
    status: status === 'published' || status === 'unpublished' ? status : 'draft',
    published_at: str(b.published_at),
  };
}

function storyValues(s: Story): StoryFormValues {
  return {
    id: s.id,
    title: s.title,
    teaser: s.teaser,
    body: s.body,
    section_id: s.section_id,
    source: s.source_name ?? '',
    author: s.author ?? '',
    featured: s.featured === 1,
    status: s.status,
    published_at: toLocalField(s.published_at),
  };
}

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function storyAdminRoutes(services: Services): FastifyPluginAsync {
  const db = services.db.kysely;
  const decisionDeps = (log: DecisionDeps['log']): DecisionDeps => ({
    db,
    mailer: services.mailer,
    siteName: services.config.siteName,
    baseUrl: services.config.baseUrl,
    log,
  });

  return async (root) => {
    root.addHook('onClose', async () => {
      await adServer(services).counter.stop();
    });

    const page = async (
      req: FastifyRequest,
      reply: FastifyReply,
      build: (ctx: PageContext) => VNode<any>,
      status = 200,
    ) => {
      const ctx = await pageContext(services, req, reply);
      return sendPage(req, reply, build(ctx), { status, cache: 'no-store' });
    };

    // ---- press releases: any registered member submits ----
    await root.register(async (app) => {
      const submitLimit = {
        config: { policy: 'press-release.submit', rateLimit: { max: 10, timeWindow: '1 hour' } },
      } as const;
      const licensedOf = (ctx: PageContext) => ctx.access.status === 'licensed';
      app.get<{ Querystring: Body }>(
        '/press-releases/new',
        { config: { policy: 'press-release.submit' } },
        async (req, reply) => {
          const sections = await listSections(db);
          return page(req, reply, (ctx) =>
            h(SubmitReleasePage, {
              ctx,
              sections,
              licensed: licensedOf(ctx),
              values: {},
              done: str(req.query.done) === '1',
            }),
          );
        },
      );
      app.post<{ Body: Body }>('/press-releases', submitLimit, async (req, reply) => {
        const member = req.member!;
        const ctx = await pageContext(services, req, reply);
        const b = req.body ?? {};
        const r = await submitRelease(
          db,
          { memberId: member.id, email: member.email, licensed: licensedOf(ctx) },
          b,
        );
        if (!r.ok) {
          const sections = await listSections(db);
          const values = Object.fromEntries(
            ['title', 'body', 'organisation', 'contact', 'section_id'].map((k) => [k, str(b[k])]),
          );
          return sendPage(
            req,
            reply,
            h(SubmitReleasePage, {
              ctx,
              sections,
              licensed: licensedOf(ctx),
              values,
              error: r.message,
            }),
            { status: 400, cache: 'no-store' },
          );
        }
        return reply.redirect('/press-releases/new?done=1', 303);
      });
    });

    // ---- the newsroom ----
    await root.register(async (app) => {
      await app.register(multipart, {
        limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6 },
      });

      app.get<{ Querystring: Body }>(
        '/admin',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const now = nowIso();
          const [drafts, scheduled, pendingReleases, feeds, stories, leads, uploads] =
            await Promise.all([
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
              recentUploads(db, 5),
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
            uploads,
          };
          return page(req, reply, (ctx) =>
            h(Dashboard, { ctx, data, notice: doneNotice(req.query), now }),
          );
        },
      );

      async function storyList(limit: number, featuredOnly = false): Promise<Story[]> {
        let q = db
          .selectFrom('stories')
          .innerJoin('sections', 'sections.id', 'stories.section_id')
          .leftJoin('sources', 'sources.id', 'stories.source_id')
          .selectAll('stories')
          .select([
            'sections.slug as section_slug',
            'sections.name as section_name',
            'sources.name as source_name',
            'sources.url as source_url',
          ]);
        if (featuredOnly)
          q = q.where('stories.featured', '=', 1).where('stories.status', '=', 'published');
        return (await q
          .orderBy('stories.updated_at', 'desc')
          .orderBy('stories.id', 'desc')
          .limit(limit)
          .execute()) as Story[];
      }

      // Stories
      app.get('/admin/stories/new', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
        const sections = await listSections(db);
        const values: StoryFormValues = {
          title: '',
          teaser: '',
          body: '',
          section_id: sections[0]?.id ?? null,
          source: '',
          author: '',
          featured: false,
          status: 'draft',
          published_at: toLocalField(nowIso()),
        };
        return page(req, reply, (ctx) => h(StoryForm, { ctx, values, sections }));
      });

      app.get<{ Params: { id: string }; Querystring: Body }>(
        '/admin/stories/:id/edit',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const story = await getStory(db, Number(req.params.id) || 0);
          if (!story) throw notFound('There is no such story.');
          const sections = await listSections(db);
          return page(req, reply, (ctx) =>
            h(StoryForm, {
              ctx,
              values: storyValues(story),
              sections,
              notice: doneNotice(req.query),
              path: storyPath(story),
            }),
          );
        },
      );

      const saveStory = async (
        req: FastifyRequest<{ Body: Body }>,
        reply: FastifyReply,
        id?: number,
      ) => {
        const b = req.body ?? {};
        const sections = await listSections(db);
        const values = formValues(b, id);
        const existing = id ? await getStory(db, id) : undefined;
        if (id && !existing) throw notFound('There is no such story.');
        const path = existing ? storyPath(existing) : null;
        if (str(b.intent) === 'preview') {
          const preview = h('div', {
            dangerouslySetInnerHTML: { __html: previewHtml(values.body) },
          });
          return page(req, reply, (ctx) => h(StoryForm, { ctx, values, sections, preview, path }));
        }
        const r = storySchema.safeParse(b);
        if (!r.success || !sections.some((s) => s.id === r.data.section_id)) {
          const error = r.success ? 'Choose a section.' : r.error.issues[0].message;
          return page(
            req,
            reply,
            (ctx) => h(StoryForm, { ctx, values, sections, error, path }),
            400,
          );
        }
        const d = r.data;
        const publishedAt = d.published_at
          ? new Date(
              d.published_at + (d.published_at.length === 16 ? ':00' : '') + 'Z',
            ).toISOString()
          : (existing?.published_at ?? nowIso());
        const sourceId = d.source ? await ensureSource(db, d.source) : null;
        const fields = {
          sectionId: d.section_id,
          title: d.title,
          teaser: d.teaser,
          body: d.body.replace(/\r\n?/g, '\n'),
          sourceId,
          author: d.author || null,
          status: d.status,
          featured: d.featured === '1',
          publishedAt,
        };
        let storyId = id;
        if (id) await updateStory(db, id, fields);
        else storyId = await createStory(db, { ...fields, slug: slugify(d.title) });
        storiesChanged(services);
        return reply.redirect(`/admin/stories/${storyId}/edit?done=saved`, 303);
      };
      app.post<{ Body: Body }>(
        '/admin/stories',
        { config: { policy: 'newsroom.edit' } },
        (req, reply) => saveStory(req, reply),
      );
      app.post<{ Params: { id: string }; Body: Body }>(
        '/admin/stories/:id',
        { config: { policy: 'newsroom.edit' } },
        (req, reply) => saveStory(req, reply, Number(req.params.id) || -1),
      );

      // The live preview: the script posts the text (with the CSRF header) and shows the answer.
      app.post<{ Body: Body }>(
        '/admin/preview',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const body = str(req.body?.body);
          if (body.length > 500_000) throw badRequest('The text is too long to preview.');
          reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
          return previewHtml(body);
        },
      );

      // Home page leads
      app.post<{ Body: Body }>(
        '/admin/leads',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const b = req.body ?? {};
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
          return reply.redirect('/admin?done=leads', 303);
        },
      );

      // Sections
      app.get<{ Querystring: Body }>(
        '/admin/sections',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const sections = await listSections(db);
          return page(req, reply, (ctx) =>
            h(SectionsPage, { ctx, sections, notice: doneNotice(req.query) }),
          );
        },
      );
      app.post<{ Body: Body }>(
        '/admin/sections',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const name = str(req.body?.name).trim().slice(0, 60);
          const description = str(req.body?.description).trim().slice(0, 300);
          const slug = slugify(name);
          const sections = await listSections(db);
          const error = !name
            ? 'Give the section a name.'
            : sections.some((s) => s.slug === slug)
              ? `There is already a section at /sections/${slug}.`
              : null;
          if (error)
            return page(req, reply, (ctx) => h(SectionsPage, { ctx, sections, error }), 400);
          const position = Math.max(0, ...sections.map((s) => s.position)) + 1;
          await db.insertInto('sections').values({ slug, name, description, position }).execute();
          storiesChanged(services);
          return reply.redirect('/admin/sections?done=section-added', 303);
        },
      );
      app.post<{ Body: Body }>(
        '/admin/sections/order',
        { config: { policy: 'newsroom.edit' } },
        async (req, reply) => {
          const b = req.body ?? {};
          const sections = await listSections(db);
          for (const s of sections) {
            if (b[`pos_${s.id}`] === undefined) continue;
            const name = str(b[`name_${s.id}`]).trim().slice(0, 60) || s.name;
            await db
              .updateTable('sections')
              .set({
                position: Math.trunc(Number(b[`pos_${s.id}`])) || 0,
                name,
                description: str(b[`desc_${s.id}`]).trim().slice(0, 300),
              })
              .where('id', '=', s.id)
              .execute();
          }
          storiesChanged(services);
          return reply.redirect('/admin/sections?done=sections', 303);
        },
      );

      // Press-release queue
      app.get<{ Querystring: Body }>(
        '/admin/press-releases',
        { config: { policy: 'press-release.review' } },
        async (req, reply) => {
          const [queue, recent] = await Promise.all([releaseQueue(db), recentDecisions(db)]);
          return page(req, reply, (ctx) =>
            h(ReleaseQueuePage, { ctx, queue, recent, notice: doneNotice(req.query) }),
          );
        },
      );
      const releasePage = async (
        req: FastifyRequest,
        reply: FastifyReply,
        id: number,
        error?: string,
        status = 200,
      ) => {
        const release = await getRelease(db, id);
        if (!release) throw notFound('There is no such press release.');
        const sections = await listSections(db);
        const preview = h('div', {
          dangerouslySetInnerHTML: { __html: previewHtml(releaseStoryBody(release)) },
        });
        return page(
          req,
          reply,
          (ctx) => h(ReleaseEditPage, { ctx, release, sections, preview, error }),
          status,
        );
      };
      app.get<{ Params: { id: string } }>(
        '/admin/press-releases/:id',
        { config: { policy: 'press-release.review' } },
        (req, reply) => releasePage(req, reply, Number(req.params.id) || 0),
      );
      app.post<{ Params: { id: string }; Body: Body }>(
        '/admin/press-releases/:id/approve',
        { config: { policy: 'press-release.review' } },
        async (req, reply) => {
          const id = Number(req.params.id) || 0;
          const r = await approveRelease(
            decisionDeps(req.log),
            id,
            req.member!.id,
            Number(req.body?.section_id) || 0,
          );
          if (!r.ok) return releasePage(req, reply, id, r.message, 400);
          storiesChanged(services);
          return reply.redirect('/admin/press-releases?done=approved', 303);
        },
      );
      app.post<{ Params: { id: string }; Body: Body }>(
        '/admin/press-releases/:id/reject',
        { config: { policy: 'press-release.review' } },
        async (req, reply) => {
          const id = Number(req.params.id) || 0;
          const r = await rejectRelease(
            decisionDeps(req.log),
            id,
            req.member!.id,
            req.body?.reason,
          );
          if (!r.ok) return releasePage(req, reply, id, r.message, 400);
          return reply.redirect('/admin/press-releases?done=rejected', 303);
        },
      );
      app.post<{ Params: { id: string }; Body: Body }>(
        '/admin/press-releases/:id/edit',
        { config: { policy: 'press-release.review' } },
        async (req, reply) => {
          const id = Number(req.params.id) || 0;
          const r = await editRelease(db, id, req.body ?? {});
          if (!r.ok) return releasePage(req, reply, id, r.message, 400);
          return reply.redirect(`/admin/press-releases/${id}`, 303);
        },
      );

      // Cable uploads
      app.get('/admin/cables', { config: { policy: 'cables.upload' } }, async (req, reply) => {
        const uploads = await recentUploads(db, 20);
        return page(req, reply, (ctx) =>
          h(CableUploadPage, { ctx, uploads, maxMb: MAX_UPLOAD_BYTES / 1024 / 1024 }),
        );
      });
      // Multipart bodies are not parsed before the CSRF hook, so the token travels in the address too.
      app.post<{ Querystring: Body }>(
        '/admin/cables',
        { config: { policy: 'cables.upload', csrf: false } },
        async (req, reply) => {
          if (
            !fromThisSite(req, services.config.baseUrl) ||
            !sameToken(csrfCookie(req), str(req.query._csrf) || str(req.headers['x-csrf-token']))
          ) {
            throw new HttpError(
              403,
              'csrf',
              'This form has expired or did not come from this site. Reload the page and try again.',
            );
          }
          if (!req.isMultipart()) throw badRequest('Choose a cables file to upload.');
          // A body the multipart parser cannot read is the sender's fault: 400 with what was wrong.
          const unreadable = (err: unknown) => {
            const e = err as { statusCode?: number; message?: string };
            if (e?.statusCode && e.statusCode < 500) return err;
            return badRequest(
              `The upload could not be read (${String(e?.message ?? err).slice(0, 200)}). Choose the file and send it again.`,
            );
          };
          let file: Awaited<ReturnType<typeof req.file>>;
          try {
            file = await req.file();
          } catch (err) {
            throw unreadable(err);
          }
          if (!file || !file.filename) throw badRequest('Choose a cables file to upload.');
          const dir = join(services.config.dataDir, 'uploads');
          await mkdir(dir, { recursive: true });
          const safe = file.filename.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
          const path = join(dir, `${Date.now()}-${randomBytes(4).toString('hex')}-${safe}`);
          let size = 0;
          file.file.on('data', (c: Buffer) => (size += c.length));
          // A failure writing the copy is ours (500); a failure reading the body is the sender's (400).
          let writeError: unknown = null;
          const out = createWriteStream(path).on('error', (err) => (writeError ??= err));
          try {
            await pipeline(file.file, out);
          } catch (err) {
            await rm(path, { force: true });
            // The pipeline passes a broken body's error on to the copy too: the body's own error decides.
            throw writeError && !file.file.errored ? err : unreadable(err);
          }
          if (file.file.truncated) {
            await rm(path, { force: true });
            throw new HttpError(
              413,
              'too_large',
              `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`,
            );
          }
          if (size === 0) {
            await rm(path, { force: true });
            throw badRequest('The file is empty.');
          }
          const id = await recordUpload(services.db, {
            memberId: req.member!.id,
            originalName: file.filename,
            path,
            size,
          });
          return reply.redirect(`/admin/cables/${id}`, 303);
        },
      );
      app.get<{ Params: { id: string } }>(
        '/admin/cables/:id',
        { config: { policy: 'cables.upload' } },
        async (req, reply) => {
          const upload = await getUpload(db, Number(req.params.id) || 0);
          if (!upload) throw notFound('There is no such import.');
          return page(req, reply, (ctx) => h(CableUploadStatusPage, { ctx, upload }));
        },
      );
      app.get<{ Params: { id: string } }>(
        '/admin/cables/:id/status',
        { config: { policy: 'cables.upload' } },
        async (req, reply) => {
          const upload = await getUpload(db, Number(req.params.id) || 0);
          if (!upload) throw notFound('There is no such import.');
          reply.header('cache-control', 'no-store');
          return {
            status: upload.status,
            progress: upload.progress ? JSON.parse(upload.progress) : null,
            summary: upload.summary ? JSON.parse(upload.summary) : null,
            error: upload.error,
          };
        },
      );
    });
  };
}
