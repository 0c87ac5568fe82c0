/**
 * What the feed pages accept, checked at the edge (src/lib/form.ts): the World Headlines page
 * number and the editors' forms for a partner feed (add, edit).
 */
import { z } from 'zod';
import { httpUrl } from './parse.ts';

/** `?page=N` on /world. */
export const worldQuery = z.object({
  page: z.coerce
    .number({ message: 'page must be a number' })
    .int('page must be a whole number')
    .min(1, 'page must be 1 or more')
    .max(10000, 'page is too large')
    .default(1),
});

/** A partner feed: its name and its http(s) address (the add form and a feed's edit form). */
export const feedForm = z.object({
  name: z
    .string({ message: 'Give the source a name (it is shown with each headline).' })
    .trim()
    .min(1, 'Give the source a name (it is shown with each headline).')
    .max(100, 'Keep the source’s name under 100 characters.'),
  url: z
    .string({ message: 'Give the feed’s http:// or https:// address.' })
    .max(2000, 'The feed’s address is too long.')
    .transform((s, ctx) => {
      const url = httpUrl(s);
      if (!url) {
        ctx.addIssue({ code: 'custom', message: 'Give the feed’s http:// or https:// address.' });
        return z.NEVER;
      }
      return url;
    }),
});
