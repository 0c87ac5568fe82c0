/**
 * What the cables feature's forms and queries accept, checked at the edge (src/lib/form.ts) before
 * a handler runs.
 */
import { z } from 'zod';

/** The cable upload's address carries its CSRF token (multipart bodies are read after the check). */
export const uploadQuery = z.object({ _csrf: z.string().max(200).default('') });
