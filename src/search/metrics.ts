/**
 * Search metrics in prom-client's default registry (served at /metrics): latency of answered and
 * refused searches, searches waiting in the fair queue, searches refused by reason (cost budget,
 * rate limit, full queue, time limit), and the term index's state (ready search threads).
 */
import client from 'prom-client';

/** What the gauges read when scraped: each running app's search runtime. */
export interface SearchGaugeSource {
  waiting(): number;
  workers(): { warm: number; total: number };
}

const sources = new Set<SearchGaugeSource>();

function metric<T>(name: string, make: () => T): T {
  return (client.register.getSingleMetric(name) as T | undefined) ?? make();
}

export type RefusalReason = 'cost' | 'rate' | 'queue' | 'time';

export const searchLatency = metric(
  'broadsheet_search_duration_seconds',
  () =>
    new client.Histogram({
      name: 'broadsheet_search_duration_seconds',
      help: 'Time to answer /search and /api/search, queueing included, by outcome (ok, refused, failed) and where the text was matched (memory, database).',
      labelNames: ['outcome', 'index'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
);

/**
 * Where answered searches spent their time, per lane (light: simple searches; heavy) and stage
 * (see timing.ts): queue (the fair queue), post (waiting in the search thread), columns (the
 * catch-up with the change log), database (queries), thread (all the time in the thread).
 */
export const searchStage = metric(
  'broadsheet_search_stage_seconds',
  () =>
    new client.Histogram({
      name: 'broadsheet_search_stage_seconds',
      help: 'Time of answered searches by lane (light, heavy) and stage: queue (fair queue), post (waiting in the search thread), columns (catch-up with the change log), database (reading hits), match (text matched by the database), thread (whole time in the thread), gc (garbage collection in the thread meanwhile).',
      labelNames: ['lane', 'stage'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
);

export const searchRefused = metric(
  'broadsheet_search_refused_total',
  () =>
    new client.Counter({
      name: 'broadsheet_search_refused_total',
      help: 'Searches refused, by reason: cost (over the query budget, 400), rate (rate limit, 429), queue (too many waiting, 429), time (stopped at the time limit, 503).',
      labelNames: ['reason'] as const,
    }),
);

metric(
  'broadsheet_search_queue_depth',
  () =>
    new client.Gauge({
      name: 'broadsheet_search_queue_depth',
      help: 'Searches waiting in the fair queue for a search thread.',
      collect() {
        let n = 0;
        for (const s of sources) n += s.waiting();
        this.set(n);
      },
    }),
);

metric(
  'broadsheet_search_term_index_ready',
  () =>
    new client.Gauge({
      name: 'broadsheet_search_term_index_ready',
      help: 'Search threads whose term index is ready (state="ready") and still warming up, answering from the database (state="warming").',
      labelNames: ['state'] as const,
      collect() {
        let warm = 0;
        let total = 0;
        for (const s of sources) {
          const w = s.workers();
          warm += w.warm;
          total += w.total;
        }
        this.set({ state: 'ready' }, warm);
        this.set({ state: 'warming' }, total - warm);
      },
    }),
);

for (const reason of ['cost', 'rate', 'queue', 'time'] as const) searchRefused.inc({ reason }, 0);

/** Makes the gauges read a runtime until the returned function is called. */
export function watchSearch(source: SearchGaugeSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}
