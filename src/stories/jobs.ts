/** The newsroom's background work: cable files uploaded on the dashboard are imported by the job worker. */
import type { JobHandler } from '../platform/jobs.ts';
import type { Services } from '../platform/services.ts';
import { storiesChanged } from './admin-auth.ts';
import { CABLE_UPLOAD_JOB, cableUploadJob } from './cable-uploads.ts';

export function jobHandlers(services: Services): Record<string, JobHandler> {
  return {
    [CABLE_UPLOAD_JOB]: cableUploadJob(services.db, () => storiesChanged(services)),
  };
}
