/**
 * What the newsroom's forms and queries accept, checked at the edge (src/lib/form.ts) before a
 * handler runs. Messages are instructions in plain words that name the field.
 */
import { z } from 'zod';

/** The story editor. */
export const storySchema = z.object({
  title: z
    .string({ message: 'Write a headline.' })
    .trim()
    .min(1, 'Write a headline.')
    .max(200, 'Keep the headline under 200 characters.'),
  teaser: z.string().trim().max(400, 'Keep the standfirst under 400 characters.').default(''),
  body: z
    .string({ message: 'Write the text of the story.' })
    .min(1, 'Write the text of the story.')
    .max(500_000, 'The text is too long.'),
  section_id: z.coerce.number({ message: 'Choose a section.' }).int().positive('Choose a section.'),
  source: z.string().trim().max(200, 'Keep the source under 200 characters.').default(''),
  author: z.string().trim().max(200, 'Keep the author under 200 characters.').default(''),
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
export type StoryInput = z.output<typeof storySchema>;

/** The live preview: the text to render. */
export const previewForm = z.object({
  body: z.string().max(500_000, 'The text is too long to preview.').default(''),
  /** A press release's preview shows it as it will be published, for a licensed submitter or not. */
  mode: z.string().max(40).optional(),
});

/** The press-release form's live preview. */
export const releasePreviewForm = z.object({
  body: z.string().max(50_000, 'The text is too long to preview.').default(''),
});

/** A new section. */
export const sectionForm = z.object({
  name: z
    .string({ message: 'Give the section a name.' })
    .trim()
    .min(1, 'Give the section a name.')
    .max(60, 'Keep the section name under 60 characters.'),
  description: z.string().trim().max(300, 'Keep the description under 300 characters.').default(''),
});

/**
 * Positions, names and descriptions of every section, or of every home-page lead: fields named
 * `pos_ID`, `name_ID`, `desc_ID`, `keep_ID`. Each is text; the handler reads the ones it knows.
 */
export const perRowForm = z.record(
  z.string(),
  z.union([z.string(), z.array(z.string())], { message: 'Each field must be text.' }),
);

/** Approving a press release: the section it is published in. */
export const releaseApproveForm = z.object({
  section_id: z.coerce
    .number({ message: 'Choose a section to publish the release in.' })
    .int('Choose a section to publish the release in.')
    .nonnegative('Choose a section to publish the release in.')
    .default(0),
});

/** Refusing a press release: the reason mailed to the submitter. */
export const releaseRejectForm = z.object({
  reason: z
    .string({ message: 'Give a reason for the submitter.' })
    .trim()
    .min(1, 'Give a reason for the submitter.')
    .max(2000, 'Keep the reason under 2,000 characters.'),
});

/** A press release as submitted or edited (checked in full by the press-release service). */
export const releaseForm = z.object({
  title: z.string().default(''),
  body: z.string().default(''),
  organisation: z.string().default(''),
  contact: z.string().default(''),
  section_id: z.string().default(''),
});
