/** Sections: add one, and rename, describe and order them all. */
import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { badRequest } from '../../platform/http.ts';
import { parseInput, text } from '../../lib/form.ts';
import { redirectWith } from '../../lib/flash.ts';
import { storiesChanged } from '../admin-auth.ts';
import { slugify } from '../markdown.ts';
import { listSections } from '../store.ts';
import { SectionsPage } from '../admin-views.tsx';
import { perRowForm, sectionForm } from '../schemas.ts';
import type { NewsroomKit } from './common.ts';

export function sectionRoutes(app: FastifyInstance, kit: NewsroomKit): void {
  const { db, page, services } = kit;

  app.get('/admin/sections', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
    const sections = await listSections(db);
    return page(req, reply, (ctx) => h(SectionsPage, { ctx, sections }));
  });
  app.post('/admin/sections', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
    const sections = await listSections(db);
    const p = parseInput(sectionForm, req.body);
    const slug = p.ok ? slugify(p.value.name) : '';
    const error = !p.ok
      ? p.message
      : sections.some((s) => s.slug === slug)
        ? `There is already a section at /sections/${slug}.`
        : !slug
          ? 'Give the section a name with letters or numbers in it.'
          : null;
    if (error || !p.ok)
      return page(req, reply, (ctx) => h(SectionsPage, { ctx, sections, error }), 400);
    const { name, description } = p.value;
    const position = Math.max(0, ...sections.map((s) => s.position)) + 1;
    await db.insertInto('sections').values({ slug, name, description, position }).execute();
    storiesChanged(services);
    return redirectWith(req, reply, '/admin/sections', {
      kind: 'ok',
      message: `Section “${name}” added at /sections/${slug}.`,
    });
  });
  app.post('/admin/sections/order', { config: { policy: 'newsroom.edit' } }, async (req, reply) => {
    const p = parseInput(perRowForm, req.body);
    if (!p.ok) throw badRequest(p.message);
    const b = p.value;
    const sections = await listSections(db);
    for (const s of sections) {
      if (b[`pos_${s.id}`] === undefined) continue;
      const name = text(b[`name_${s.id}`]).trim().slice(0, 60) || s.name;
      await db
        .updateTable('sections')
        .set({
          position: Math.trunc(Number(b[`pos_${s.id}`])) || 0,
          name,
          description: text(b[`desc_${s.id}`]).trim().slice(0, 300),
        })
        .where('id', '=', s.id)
        .execute();
    }
    storiesChanged(services);
    return redirectWith(req, reply, '/admin/sections', { kind: 'ok', message: 'Sections saved.' });
  });
}
