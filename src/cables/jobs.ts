/** The cables feature's background work: cable files uploaded in the newsroom are imported by the job worker. */
import type { JobHandler } from '../platform/jobs.ts';
import type { Services } from '../platform/services.ts';
import { storiesChanged } from '../stories/admin-auth.ts';
import { CABLE_UPLOAD_JOB, cableUploadJob } from './uploads.ts';

export function jobHandlers(services: Services): Record<string, JobHandler> {
  return {
    [CABLE_UPLOAD_JOB]: cableUploadJob(services.db, () => storiesChanged(services)),
  };
}
