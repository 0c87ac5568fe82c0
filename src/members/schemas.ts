/**
 * What the members' forms and queries accept, checked at the edge (src/lib/form.ts) before a
 * handler runs. They fix the shape: every field is text. A field that is absent or not text (a
 * repeated field) reads as empty, and the service's own checks (src/members/service.ts) then say
 * in plain words what is missing or wrong, with the field they are about, so the form comes back
 * with that message as before. Optional fields stay absent when they are.
 */
import { z } from 'zod';
import { text } from '../lib/form.ts';

/** A text field; absent or not text: empty. */
const field = z.unknown().transform(text).default('');
/** A text field that may be absent; not text: absent. */
const optionalField = z
  .unknown()
  .transform((v): string | undefined => (typeof v === 'string' ? v : undefined))
  .optional();

/** The use a member declares, and for work the organisation (registration, the account page). */
const declared = {
  declared_use: field,
  work_organisation: optionalField,
};

export const registerForm = z.object({ email: field, password: field, ...declared });

export const loginForm = z.object({ email: field, password: field, next: optionalField });

/** Asking for mail: a login link, a password link. */
export const emailForm = z.object({ email: field });

export const resetForm = z.object({ password: field });

export const accountForm = z.object(declared);

/** Changing the password on the account page: the current one and the new one. */
export const passwordChangeForm = z.object({ current_password: field, password: field });

/** Changing the address on the account page: the new one, and the current password if any. */
/** Deleting the account: the current password, if the account has one. */
export const deleteAccountForm = z.object({ current_password: field });

export const emailChangeForm = z.object({ email: field, current_password: field });

/** The newsletter box on the account page: `unsubscribe`, or anything else to subscribe. */
export const accountNewsletterForm = z.object({ action: field });

/** `?done=…` after a redirect (a known word picks the message; anything else shows none). */
export const doneQuery = z.object({ done: field });

/** The login page: where to go afterwards (checked by safeNext) and `?done=logout`. */
export const loginQuery = z.object({ next: optionalField, done: field });
