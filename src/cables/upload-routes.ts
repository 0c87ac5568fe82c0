/**
 * Cable uploads in the newsroom: the form, the upload itself (streamed to disk, imported by a job:
 * uploads.ts) and its status. Its own scope parses multipart bodies (only these routes take them).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { h } from 'preact';
import { HttpError, badRequest, notFound } from '../platform/http.ts';
import { CSRF_REFUSED, csrfCookie, fromThisSite } from '../platform/csrf.ts';
import type { Services } from '../platform/services.ts';
import { parseInput, text } from '../lib/form.ts';
import { idParam, newsroomKit } from '../stories/admin/common.ts';
import { getUpload, recentUploads, recordUpload } from './uploads.ts';
import { CableUploadPage, CableUploadStatusPage } from './upload-views.tsx';
import { uploadQuery } from './schemas.ts';

export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function uploadRoutes(services: Services): FastifyPluginAsync {
  return async (app) => {
    await app.register(multipart, {
      limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6 },
    });
    routes(app, services);
  };
}

function routes(app: FastifyInstance, services: Services): void {
  const { db, page } = newsroomKit(services);

  app.get('/admin/cables', { config: { policy: 'cables.upload' } }, async (req, reply) => {
    const uploads = await recentUploads(db, 20);
    return page(req, reply, (ctx) =>
      h(CableUploadPage, { ctx, uploads, maxMb: MAX_UPLOAD_BYTES / 1024 / 1024 }),
    );
  });
  // Multipart bodies are not parsed before the CSRF hook, so the token travels in the address too.
  app.post(
    '/admin/cables',
    { config: { policy: 'cables.upload', csrf: false } },
    async (req, reply) => {
      const q = parseInput(uploadQuery, req.query);
      const token = (q.ok ? q.value._csrf : '') || text(req.headers['x-csrf-token']);
      if (!fromThisSite(req, services.config.baseUrl) || !sameToken(csrfCookie(req), token)) {
        throw new HttpError(403, 'csrf', CSRF_REFUSED);
      }
      try {
        return await receive(req, reply);
      } catch (err) {
        // A refused upload (nothing stored): the form again with the reason, at the same status.
        const status = (err as { statusCode?: unknown }).statusCode;
        if (typeof status === 'number' && status >= 400 && status < 500) {
          const uploads = await recentUploads(db, 20);
          return page(
            req,
            reply,
            (ctx) =>
              h(CableUploadPage, {
                ctx,
                uploads,
                error: (err as Error).message,
                maxMb: MAX_UPLOAD_BYTES / 1024 / 1024,
              }),
            status,
          );
        }
        throw err;
      }
    },
  );
  const receive = async (req: FastifyRequest, reply: FastifyReply) => {
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
  };
  app.get<{ Params: { id: string } }>(
    '/admin/cables/:id',
    { config: { policy: 'cables.upload' } },
    async (req, reply) => {
      const upload = await getUpload(db, idParam(req.params.id));
      if (!upload) throw notFound('There is no such import.');
      return page(req, reply, (ctx) => h(CableUploadStatusPage, { ctx, upload }));
    },
  );
  app.get<{ Params: { id: string } }>(
    '/admin/cables/:id/status',
    { config: { policy: 'cables.upload' } },
    async (req, reply) => {
      const upload = await getUpload(db, idParam(req.params.id));
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
}
