/**
 * Partner feeds are polled by the job worker every 15 minutes (on the quarter hour), unless
 * FEED_POLL=0 (a site without outbound network, and test servers started with demo content, whose
 * feeds are the partners' real addresses): then only an editor's "Poll now" fetches a feed.
 */
import { every, type JobHandler, type Schedule } from '../platform/jobs.ts';
import type { Services } from '../platform/services.ts';
import type { Config } from '../config.ts';
import { storiesChanged } from '../stories/admin-auth.ts';
import { feedLimits, pollAllFeeds } from './poll.ts';

export const FEED_POLL_JOB = 'feeds:poll';
export const FEED_POLL_EVERY_MS = 15 * 60_000;

export function jobHandlers(services: Services): Record<string, JobHandler> {
  return {
    [FEED_POLL_JOB]: async () => {
      const out = await pollAllFeeds(services.db.kysely, feedLimits(services.config));
      if (out.some((o) => o.added > 0)) storiesChanged(services);
    },
  };
}

export function jobSchedules(config: Pick<Config, 'feedPoll'>): Schedule[] {
  return config.feedPoll ? [every(FEED_POLL_JOB, FEED_POLL_EVERY_MS)] : [];
}
