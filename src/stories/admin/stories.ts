/** The story editor: new and existing stories, the preview button and the live preview. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h, type VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { badRequest, notFound } from '../../platform/http.ts';
import { nowIso } from '../../platform/db.ts';
import { parseInput, text, type RawForm } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import { storiesChanged } from '../admin-auth.ts';
import { renderMarkdown, slugify } from '../markdown.ts';
import { releasePreview } from '../press-releases.ts';
import {
  createStory,
  ensureSource,
  getStory,
  listSections,
  storyPath,
  updateStory,
  type Story,
} from '../store.ts';
import { StoryForm, toLocalField, type StoryFormValues } from '../admin-views.tsx';
import { previewForm, storySchema } from '../schemas.ts';
import { idParam, type NewsroomKit } from './common.ts';

/** The Markdown rendered as it will appear in a story. */
export function previewHtml(body: string): string {
  return renderMarkdown(body);
}

/** The form as posted, to show again with its message. */
function formValues(b: RawForm, id?: number): StoryFormValues {
  const status = text(b.status);
  return {
    id,
    title: text(b.title),
    teaser: text(b.teaser),
    body: text(b.body),
    section_id: Number(b.section_id) || null,
    source: text(b.source),
    author: text(b.author),
    featured: b.featured === '1',
    status: status === 'published' || status === 'unpublished' ? status : 'draft',
    published_at: text(b.published_at),
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

export function storyRoutes(app: FastifyInstance, kit: NewsroomKit): void {
  const { db, page, services } = kit;

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

  app.get<{ Params: { id: string } }>(
    '/admin/stories/:id/edit',
    { config: { policy: 'newsroom.edit' } },
    async (req, reply) => {
      const story = await getStory(db, idParam(req.params.id));
      if (!story) throw notFound('There is no such story.');
      const sections = await listSections(db);
      return page(req, reply, (ctx) =>
        h(StoryForm, { ctx, values: storyValues(story), sections, path: storyPath(story) }),
      );
    },
  );

  const saveStory = async (req: FastifyRequest, reply: FastifyReply, id?: number) => {
    const b = (req.body ?? {}) as RawForm;
    const sections = await listSections(db);
    const values = formValues(b, id);
    const existing = id ? await getStory(db, id) : undefined;
    if (id && !existing) throw notFound('There is no such story.');
    const path = existing ? storyPath(existing) : null;
    if (text(b.intent) === 'preview') {
      const preview = h('div', {
        dangerouslySetInnerHTML: { __html: previewHtml(values.body) },
      });
      return page(req, reply, (ctx) => h(StoryForm, { ctx, values, sections, preview, path }));
    }
    const r = parseInput(storySchema, b);
    if (!r.ok || !sections.some((s) => s.id === r.value.section_id)) {
      const error = r.ok ? 'Choose a section.' : r.message;
      return page(req, reply, (ctx) => h(StoryForm, { ctx, values, sections, error, path }), 400);
    }
    const d = r.value;
    const publishedAt = d.published_at
      ? new Date(d.published_at + (d.published_at.length === 16 ? ':00' : '') + 'Z').toISOString()
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
    const message =
      d.status === 'published'
        ? Date.parse(publishedAt) > Date.now()
          ? 'Saved. The story is scheduled and appears at its publish time.'
          : 'Saved and published.'
        : d.status === 'unpublished'
          ? 'Saved. The story is unpublished and no longer on the site.'
          : 'Saved as a draft: not on the site yet.';
    return redirectWith(req, reply, `/admin/stories/${storyId}/edit`, { kind: 'ok', message });
  };
  app.post('/admin/stories', { config: { policy: 'newsroom.edit' } }, (req, reply) =>
    saveStory(req, reply),
  );
  app.post<{ Params: { id: string } }>(
    '/admin/stories/:id',
    { config: { policy: 'newsroom.edit' } },
    (req, reply) => saveStory(req, reply, idParam(req.params.id) || -1),
  );

  // The live preview: the script posts the text (with the CSRF header) and shows the answer.
  app.post('/admin/preview', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
    const p = parseInput(previewForm, req.body);
    if (!p.ok) throw badRequest(p.message);
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    const mode = p.value.mode;
    if (mode === 'release-licensed' || mode === 'release-plain')
      return releasePreview(p.value.body, mode === 'release-licensed');
    return previewHtml(p.value.body);
  });
}
