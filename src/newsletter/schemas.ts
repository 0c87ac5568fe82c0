/**
 * What the newsletter's forms accept, checked at the edge (src/lib/form.ts): a subscriber's
 * preferences and the editor's changes to an issue.
 */
import { z } from 'zod';

export const prefsSchema = z.object({
  format: z.enum(['html', 'text'], { message: 'Choose a format.' }),
  subscribed: z.literal('1').optional(),
});

export const introForm = z.object({
  intro: z
    .string({ message: 'The introduction must not be empty.' })
    .trim()
    .min(1, 'The introduction must not be empty.')
    .max(2000, 'The introduction is too long (2,000 characters at most).'),
});

/** The item to remove, by its place in the issue (checked against the issue by the handler). */
export const removeItemForm = z.object({
  index: z.coerce
    .number({ message: 'That item is not in this issue.' })
    .int('That item is not in this issue.')
    .min(0, 'That item is not in this issue.'),
});

/** A story's number or address, or a cable reference. */
export const addItemForm = z.object({
  item: z
    .string({ message: 'Give a story’s number or address, or a cable reference.' })
    .trim()
    .min(1, 'Give a story’s number or address, or a cable reference.')
    .max(500, 'That is too long to be a story’s address or a cable reference.'),
});

/** When to send, in the newsletter's time zone. */
export const scheduleForm = z.object({
  at: z
    .string({ message: 'Give the date and time to send, e.g. 2026-11-30T07:00.' })
    .regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/,
      'Give the date and time to send, e.g. 2026-11-30T07:00.',
    ),
});
