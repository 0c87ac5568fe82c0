/**
 * Demo content for a new, empty site (on unless DEMO=0): the seed cable 09LIMA1669 published as a
 * Cablegate story, explainers about the archive and the licence model, the World Headlines partner
 * feeds (ordinary feeds at the partners' real addresses) with a few demo headlines, and one house ad.
 * Every demo story, headline and ad carries is_demo = 1 and is labelled on the page.
 * It writes several features' tables (stories, cables, feeds, ads), so it sits with the entry files
 * that assemble the features (server.ts and cli.ts load it); no feature imports it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from './platform/schema.ts';
import { Readable } from 'node:stream';
import { nowIso } from './platform/db.ts';
import { importRawItems } from './cables/importer.ts';
import { readAllCables } from './cables/readers.ts';
import { CABLEGATE_SLUG, createStory, ensureSection, ensureSource } from './stories/store.ts';

const here = dirname(fileURLToPath(import.meta.url));

export const SEED_CABLE_ID = '09LIMA1669';
export const SEED_STORY_TITLE =
  'Cablegate: Scenesetter for USSOUTHCOM Commander, General Douglas M. Fraser';

export const DEMO_SECTIONS = [
  { slug: 'news', name: 'News', description: 'Reporting from the newsroom.', position: 1 },
  {
    slug: CABLEGATE_SLUG,
    name: 'Cablegate',
    description: 'Diplomatic cables, republished in full with their metadata.',
    position: 2,
  },
  {
    slug: 'explainers',
    name: 'Explainers',
    description: 'How to read the archive, and how the site works.',
    position: 3,
  },
];

/**
 * The partner sources of the demo World Headlines: ordinary partner feeds (src/feeds), with the
 * organisations' own public feed addresses, which editors may edit or remove at /admin/feeds.
 * Until a feed's first successful poll, its demo headlines below stand in for the partner's own
 * (the poller replaces them); offline, the poll fails, the feed page says why and they stay.
 */
export const DEMO_FEEDS = [
  { name: 'UN News', url: 'https://news.un.org/feed/subscribe/en/news/all/rss.xml' },
  { name: 'Save The Children', url: 'https://www.savethechildren.net/rss.xml' },
  { name: 'Access Now', url: 'https://www.accessnow.org/feed/' },
] as const;

type DemoSource = (typeof DEMO_FEEDS)[number]['name'];

export const DEMO_HEADLINES: { source: DemoSource; title: string; summary: string; url: string }[] =
  [
    {
      source: 'UN News',
      title: 'Aid Access Is Key Priority',
      summary:
        'Getting humanitarian aid in and hostages released tops the agenda for diplomats, says the UN’s emergency relief chief.',
      url: 'https://news.un.org/en/',
    },
    {
      source: 'Save The Children',
      title: 'Four Earthquakes In a Week Leave Thousands Homeless',
      summary:
        'A fourth strong quake near Herat has left families in western Afghanistan living in tents, exposed to wind and dust.',
      url: 'https://www.savethechildren.org/',
    },
    {
      source: 'UN News',
      title: 'Nowhere To Go In Gaza',
      summary:
        'The UN warns that moving a million people out of northern Gaza cannot be done without devastating humanitarian consequences.',
      url: 'https://news.un.org/en/',
    },
    {
      source: 'Access Now',
      title: 'Telecom Blackout In Gaza An Attack On Human Rights',
      summary:
        'Internet, mobile and phone networks are failing as power runs out, cutting people off from help and from each other.',
      url: 'https://www.accessnow.org/',
    },
  ];

const HOURS = 3600_000;

const DEMO_STORIES = [
  {
    section: 'news',
    title: 'Welcome to Broadsheet: independent news and a public cable archive',
    teaser:
      'Free for everyone to read, paid for by the organisations that use it for work. Here is what you will find.',
    featured: true,
    hoursAgo: 2,
    body: `Broadsheet publishes independent reporting alongside a searchable archive of diplomatic cables, each one republished in full with its routing header, classification and paragraph markings.

Everything here is free for personal reading. We do not hide stories behind a login and we never will. Organisations whose staff use the site for their work buy an annual licence instead; that is our [ethical paywall](/about/licensing).

The Cablegate section republishes cables as stories. Each one links to its place in the archive, where references to other cables can be followed in both directions and every paragraph has its own link.

This story is part of the demo content shipped with a new Broadsheet site. Editors replace it with their own reporting.`,
  },
  {
    section: 'explainers',
    title: 'How to read a diplomatic cable',
    teaser:
      'The routing header, the date-time group, the classification banner and the TAGS line, taken one at a time.',
    featured: true,
    hoursAgo: 5,
    body: `A State Department cable starts with a routing header written for machines and signals clerks. The line that begins with **DE** names the sending station and the cable's serial number; the next gives its precedence and the date-time group.

## The date-time group

A group such as \`252048Z NOV 09\` reads as the 25th day, 20:48 in Coordinated Universal Time (the Z), November 2009. It is the moment the cable was released for transmission.

## The banner and the markings

The body opens with the classification spelled out with spaces, such as C O N F I D E N T I A L, followed by the station and the serial padded to six digits. Each paragraph then carries its own portion marking: (C) for confidential, (S) for secret, (SBU) for sensitive but unclassified, with /NF added when foreign nationals may not see it.

## TAGS and references

The TAGS line classifies the cable by subject and country: PREL for external political relations, PGOV for internal government affairs, PTER for terrorism, followed by two-letter country codes. A REF line lists earlier cables the message answers or builds on.

This explainer is part of the demo content shipped with a new Broadsheet site.`,
  },
  {
    section: 'explainers',
    title: 'Who pays for Broadsheet, and why readers never do',
    teaser:
      'Our licence model asks organisations, not individuals, to pay for the journalism they use at work.',
    featured: false,
    hoursAgo: 9,
    body: `Most news sites fund themselves with advertising, subscriptions, or both. Broadsheet takes a third way: reading is free for everyone, and organisations that use the site in their work pay for an annual licence.

A licence covers everyone at the organisation, recognised by their email domain, their office network, or an invitation. Covered readers see the site without advertisements and get professional tools such as alerts on saved searches.

Prices follow the size of the organisation, starting at $420 a year for teams of fewer than twenty. Details are on the [licensing page](/about/licensing).

This explainer is part of the demo content shipped with a new Broadsheet site.`,
  },
  {
    section: 'news',
    title: 'The cable archive: what it holds and how we publish it',
    teaser:
      'More than a quarter of a million cables from 274 embassies, consulates and missions, dated 1966 to 2010.',
    featured: false,
    hoursAgo: 14,
    body: `The diplomatic cables released in 2010 and 2011 number 251,287 messages between the State Department and its posts abroad. Most date from 2004 to 2010; the oldest go back to 1966.

Each cable in our archive keeps its original text and metadata: reference id, date, origin, classification, TAGS, the cables it refers to and the cables that refer to it. Editors import them in bulk, and any cable can be republished as a story in the Cablegate section.

This story is part of the demo content shipped with a new Broadsheet site.`,
  },
];

const DEMO_AD = {
  kind: 'text' as const,
  headline: 'Reading Broadsheet at work?',
  body: 'Your organisation can license the whole site for its staff from $420 a year: no ads, saved-search alerts and an API key. Find out how.',
  link_url: '/about/licensing',
  weight: 1,
};

/** True when the site has no content yet. */
export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('sections').select('id').limit(1).executeTakeFirst();
  return !row;
}

/**
 * Loads the demo content into an empty database; does nothing if anything is already there.
 * Processes of a fleet starting together all find the database empty: on PostgreSQL they take
 * turns under a transaction-scoped advisory lock (one per schema), so the first loads the content
 * and the others then see it there (otherwise they fail on the sections' unique slugs).
 */
export async function loadDemoContent(db: Kysely<Database>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (trx.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.broadsheet_demo_content'))`.execute(
        trx,
      );
    }
    if (!(await isEmpty(trx))) return false;
    const sections = new Map<string, number>();
    for (const s of DEMO_SECTIONS) sections.set(s.slug, (await ensureSection(trx, s)).id);
    const newsroom = await ensureSource(trx, 'Broadsheet newsroom', null);
    const archive = await ensureSource(trx, 'Broadsheet cable archive', null);

    // The seed cable goes through the cable importer like any other: cable page, story, tags.
    const seedText = readFileSync(join(here, 'demo', `${SEED_CABLE_ID}.txt`));
    const seed = await importRawItems(
      trx,
      await readAllCables(Readable.from([seedText]), {
        format: 'text',
        name: `${SEED_CABLE_ID}.txt`,
      }),
    );
    if (!seed.inserted.includes(SEED_CABLE_ID))
      throw new Error(`the demo cable ${SEED_CABLE_ID} could not be imported`);
    await trx
      .updateTable('stories')
      .set({
        teaser:
          'Embassy Lima briefs the US Southern Command commander before his visit: a reliable partner facing drug trafficking and a resurgent Shining Path.',
        featured: 1,
        is_demo: 1,
        source_id: archive,
      })
      .where('cable_reference_id', '=', SEED_CABLE_ID)
      .execute();
    const now = Date.now();
    for (const s of DEMO_STORIES) {
      await createStory(trx, {
        sectionId: sections.get(s.section)!,
        title: s.title,
        teaser: s.teaser,
        body: s.body,
        sourceId: newsroom,
        featured: s.featured,
        isDemo: true,
        publishedAt: new Date(now - s.hoursAgo * HOURS).toISOString(),
      });
    }
    // The partner sources are ordinary feeds (src/feeds/store.ts writes the same rows); the job
    // worker polls them like any other.
    const feeds = new Map<string, number>();
    for (const f of DEMO_FEEDS) {
      const row = await trx
        .insertInto('partner_feeds')
        .values({ ...f, error_count: 0, item_count: 0, created_at: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow();
      feeds.set(f.name, row.id);
    }
    let i = 0;
    for (const item of DEMO_HEADLINES) {
      await trx
        .insertInto('partner_items')
        .values({
          ...item,
          published_at: new Date(now - (1 + i++) * HOURS).toISOString(),
          is_demo: 1,
          feed_id: feeds.get(item.source)!,
        })
        .execute();
    }
    await trx
      .insertInto('ads')
      .values({
        ...DEMO_AD,
        image_url: null,
        starts_at: null,
        ends_at: null,
        is_demo: 1,
        created_at: nowIso(),
      })
      .execute();
    return true;
  });
}
