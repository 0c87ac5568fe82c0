/**
 * A refused client waits for its refusal. Every answer 429 (a rate limit, a full search queue) is
 * held for REFUSAL_DELAY_MS before it is sent, so a client that repeats its request as soon as the
 * answer arrives, on each of its connections, makes about one request a second per connection
 * instead of thousands: the event loop that serves everyone else is no longer spent refusing it.
 * A person who meets a limit gets the same answer (status, Retry-After, message) a moment later.
 *
 * Holding costs a timer and an open socket, so at most `maxHeld` refusals are held at once; past
 * that they are sent at once (never queued), and the count of each is in /metrics.
 */
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';

/** How many refusals may be held at once, whatever the number of clients. */
export const MAX_HELD_REFUSALS = 512;

/** The bounded count of refusals being held. Pure: no timers, no I/O. */
export class RefusalHold {
  private held = 0;
  constructor(
    readonly delayMs: number,
    readonly maxHeld: number = MAX_HELD_REFUSALS,
  ) {}

  /** True when this refusal is to be held (the caller then calls release() once it is sent). */
  take(): boolean {
    if (this.delayMs <= 0 || this.held >= this.maxHeld) return false;
    this.held++;
    return true;
  }

  release(): void {
    if (this.held > 0) this.held--;
  }

  get holding(): number {
    return this.held;
  }
}

function refusalsCounter(): client.Counter<'held'> {
  const name = 'broadsheet_refusals_total';
  return (
    (client.register.getSingleMetric(name) as client.Counter<'held'> | undefined) ??
    new client.Counter({
      name,
      help: 'Answers 429 (rate limits, full queues), by whether they were held for REFUSAL_DELAY_MS before being sent (held="no": the hold was full or is off).',
      labelNames: ['held'],
    })
  );
}

/** Holds every 429 answer of this app for the hold's delay (see the module's comment). */
export function installRefusalHold(app: FastifyInstance, hold: RefusalHold): void {
  const refusals = refusalsCounter();
  // A plain callback: every response passes it, and only a 429 waits.
  app.addHook('onSend', (_req, reply, _payload, done) => {
    if (reply.statusCode !== 429) return done();
    if (!hold.take()) {
      refusals.inc({ held: 'no' });
      return done();
    }
    refusals.inc({ held: 'yes' });
    setTimeout(() => {
      hold.release();
      done();
    }, hold.delayMs);
  });
}
