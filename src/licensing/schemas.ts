/**
 * What the licensing forms and queries accept, checked at the edge (src/lib/form.ts) before a
 * handler runs. Messages are instructions in plain words; each names the field it is about.
 */
import { z } from 'zod';
import { ORGANISATION_KINDS } from './schema.ts';

/** Free text from a form, trimmed, at most `max` characters; absent reads as empty. */
const field = (max: number, message: string) =>
  z.string({ message }).trim().max(max, message).default('');

export const emailSchema = z
  .string({ message: 'Enter a contact email address.' })
  .trim()
  .toLowerCase()
  .min(1, 'Enter a contact email address.')
  .max(254, 'That email address is too long.')
  .pipe(z.email({ message: 'The contact address does not look like an email address.' }));

/** The licence application (new or renewal). */
export const applicationSchema = z.object({
  name: z
    .string({ message: 'Enter the organisation’s name.' })
    .trim()
    .min(2, 'Enter the organisation’s name.')
    .max(200, 'Keep the name under 200 characters.'),
  kind: z.enum(ORGANISATION_KINDS, { message: 'Choose what kind of organisation it is.' }),
  tier: z
    .string({ message: 'Choose how many staff the organisation has.' })
    .min(1, 'Choose how many staff the organisation has.'),
  contact_email: emailSchema,
  note: z.string().trim().max(2000, 'Keep the note under 2,000 characters.').optional().default(''),
});
export type Application = z.output<typeof applicationSchema>;

/** `?organisation=ID` on the application form: a renewal of that organisation's licence. */
export const applyQuery = z.object({
  organisation: z
    .string()
    .regex(/^\d{1,9}$/, 'The organisation number in the address is not valid.')
    .optional(),
});

/** Approving an application: an agreed price in dollars, or empty for the tier's price. */
export const approveForm = z.object({
  price: z
    .string()
    .default('')
    .transform((s) => s.trim().replace(/[$,\s]/g, ''))
    .refine(
      (s) => s === '' || /^\d{1,9}(\.\d{1,2})?$/.test(s),
      'Enter the agreed price in dollars, e.g. 12500 or 12500.00.',
    )
    .transform((s) => (s === '' ? null : Math.round(Number(s) * 100))),
});

export const paymentForm = z.object({
  reference: field(200, 'Keep the payment reference under 200 characters.'),
});

export const taxForm = z.object({
  tax_rate: field(20, 'Enter the tax rate as a percentage, e.g. 15 or 8.875.'),
});

export const domainForm = z.object({
  domain: field(253, 'Enter a domain such as example.org (at most 253 characters).'),
});
export const domainMailForm = z.object({
  address: field(254, 'That email address is too long.'),
});
export const domainCodeForm = z.object({
  code: field(100, 'Enter the code from the mail.'),
});

export const networkForm = z.object({
  cidr: field(60, 'Enter a network range such as 203.0.113.0/24 or 2001:db8::/48.'),
  label: field(200, 'Keep the label under 200 characters.'),
});

export const inviteForm = z.object({
  email: field(254, 'That email address is too long.'),
});

export const apiKeyForm = z.object({
  name: field(100, 'Give the key a name of at most 100 characters.'),
  rate: field(10, 'Give the rate as a number of requests a minute.'),
});

export const alertForm = z.object({
  q: field(500, 'Keep the search under 500 characters.'),
  frequency: field(20, 'Choose how often to be alerted.'),
});
