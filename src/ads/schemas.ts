/**
 * What the ad pages accept, checked at the edge (src/lib/form.ts): the click-through's signature
 * and the editors' ad form.
 */
import { z } from 'zod';
import { text, type RawForm } from '../lib/form.ts';
import type { Failure } from '../lib/result.ts';
import { safeHref } from '../stories/links.ts';
import { sectionsField, type AdInput } from './store.ts';
import type { AdFormValues } from './pages.tsx';

/** `?sig=…` on a click-through link. */
export const clickQuery = z.object({ sig: z.string().max(200).optional() });

const dateField = z
  .string()
  .trim()
  .default('')
  .refine(
    (v) => v === '' || /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/.test(v),
    'Give dates as YYYY-MM-DD.',
  );

/** Ticked section boxes: one value, several, or none. */
const sectionsInput = z
  .union([z.string(), z.array(z.string())], { message: 'Choose sections from the list.' })
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

export const adSchema = z.object({
  kind: z.enum(['text', 'image'], { message: 'Choose text or image.' }),
  headline: z
    .string({
      message: 'Give the ad a headline (for image ads it is the image’s text alternative).',
    })
    .trim()
    .min(1, 'Give the ad a headline (for image ads it is the image’s text alternative).')
    .max(120, 'Keep the headline under 120 characters.'),
  body: z.string().trim().max(300, 'Keep the text under 300 characters.').default(''),
  image_url: z.string().trim().max(2000, 'The image address is too long.').default(''),
  link_url: z
    .string({ message: 'Give the address the ad links to.' })
    .trim()
    .min(1, 'Give the address the ad links to.')
    .max(2000, 'The link is too long.'),
  weight: z.coerce
    .number({ message: 'The weight must be a number.' })
    .int('The weight must be a whole number.')
    .min(0, 'The weight must be 0 or more.')
    .max(1000, 'The weight must be at most 1000.'),
  starts_at: dateField,
  ends_at: dateField,
  sections: sectionsInput,
});

function toIso(v: string): string | null {
  if (!v) return null;
  return new Date(v.length === 10 ? `${v}T00:00:00Z` : `${v}:00Z`).toISOString();
}

const refuse = (message: string, field: string): Failure => ({
  ok: false,
  code: 'invalid',
  message,
  status: 400,
  field,
});

/** The ad form as an ad to store, or the first thing wrong with it. */
export function parseAdForm(
  b: RawForm,
  sectionSlugs: string[],
): { ok: true; ad: AdInput } | Failure {
  const r = adSchema.safeParse(b);
  if (!r.success) return refuse(r.error.issues[0].message, String(r.error.issues[0].path[0] ?? ''));
  const d = r.data;
  // Read as a browser reads them (links.ts): `/\\host` or `//host` is another site, not a path here.
  const webOrPath = (raw: string) => {
    const href = safeHref(raw);
    return href !== null && (/^https?:/i.test(href) || href.startsWith('/')) ? href : null;
  };
  const link = webOrPath(d.link_url);
  if (!link)
    return refuse(
      'The link must be an http:// or https:// address, or a path on this site.',
      'link_url',
    );
  const sitePath = d.image_url ? webOrPath(d.image_url) : null;
  const image = d.image_url
    ? (safeHref(d.image_url, 'image') ?? (sitePath?.startsWith('/') ? sitePath : null))
    : null;
  if (d.kind === 'image' && !image)
    return refuse(
      'An image ad needs the image’s https address (or a path on this site).',
      'image_url',
    );
  const starts = toIso(d.starts_at);
  const ends = toIso(d.ends_at);
  if (starts && ends && ends <= starts)
    return refuse('The end date must be after the start date.', 'ends_at');
  const unknown = d.sections.find((s) => !sectionSlugs.includes(s));
  if (unknown) return refuse(`There is no section ${unknown}.`, 'sections');
  return {
    ok: true,
    ad: {
      kind: d.kind,
      headline: d.headline,
      body: d.body,
      image_url: image,
      link_url: link,
      weight: d.weight,
      starts_at: starts,
      ends_at: ends,
      sections: sectionsField(d.sections),
    },
  };
}

/** The form as posted, to show again with its message. */
export function formOf(b: RawForm): AdFormValues {
  return {
    kind: text(b.kind) === 'image' ? 'image' : 'text',
    headline: text(b.headline),
    body: text(b.body),
    image_url: text(b.image_url),
    link_url: text(b.link_url),
    weight: text(b.weight) || '1',
    starts_at: text(b.starts_at),
    ends_at: text(b.ends_at),
    sections: Array.isArray(b.sections)
      ? b.sections.map(String)
      : typeof b.sections === 'string'
        ? [b.sections]
        : [],
  };
}
