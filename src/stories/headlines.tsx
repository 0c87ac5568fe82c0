/**
 * The World Headlines box: partner newsrooms' items with a link out (the feeds feature polls them
 * into `partner_items` and offers the latest as the `partnerItems` shared cache).
 */
import { DemoBadge } from '../web/components.tsx';

/** A partner item as the box shows it. */
export interface Headline {
  id: number;
  source: string;
  title: string;
  summary: string;
  url: string;
  /** 1 for the demo headlines a new site ships with (labelled as such). */
  is_demo?: number;
}

export function WorldHeadlines({ items }: { items: Headline[] }) {
  if (items.length === 0) return null;
  return (
    <section class="world-headlines" aria-labelledby="world-headlines-heading">
      <h2 id="world-headlines-heading">World Headlines</h2>
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <span class="source">{item.source}</span>
            {item.is_demo ? <DemoBadge label="Demo" /> : null}
            <h3>{item.title}</h3>
            <p>
              {item.summary}{' '}
              <a href={item.url} rel="noopener" aria-label={`More: ${item.title} (${item.source})`}>
                More
              </a>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
