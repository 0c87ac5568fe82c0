/**
 * Places on the story pages that other features fill, so stories names none of them (they import
 * this module and call `addSlot` from their plugin, as features add to every page's context with
 * `addPagePart`):
 * - `storyTop`: above a story (licensing: the paywall strip);
 * - `storyInsert`: after a story's third paragraph (ads: the ad; newsletter: its sign-up box);
 * - `listInsert`: one list item after the third of a story list, on the home page (its first list
 *   long enough) and section pages (ads: the ad);
 * - `homeAside`: the top of the home page's side column (cables: the archive's counts);
 * - `newsroom`: boxes at the end of the newsroom's dashboard (cables: the latest uploads).
 * And `addStoryBody`: where the text of a story kept elsewhere comes from (cables: a Cablegate
 * story's cable).
 *
 * A fill is a node and a key naming everything it shows apart from the page context; the page's
 * cached render is keyed by it (see `renderKey` in src/platform/http.ts). What a fill shows comes
 * from the context, the slot's arguments and shared data only (per-process caches, whose emptying
 * says `dataChanged`), never from the request otherwise: kept pages, a reader's and a signed-in
 * member's (keyed by the context), are answered again without filling the slots. A node reads the context
 * while the page renders, not when it is made (pass `ctx` to a component): the CSRF token is made
 * for a shared render only then. Fills of a slot appear in the order given when they are added.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { PageContext } from '../web/context.ts';
import type { Story } from './store.ts';

export interface SlotFill {
  key: string;
  node: VNode;
  /**
   * What showing this fill counts (an ad's impression), called again each time the page is answered
   * from the page cache instead of being filled anew.
   */
  shown?: () => void;
}

/** What each slot's fillers are told besides the page context. */
export interface SlotArgs {
  storyTop: { story: Story };
  storyInsert: { story: Story };
  /** The section whose list it is; null on the home page. */
  listInsert: { section: string | null };
  homeAside: Record<string, never>;
  newsroom: Record<string, never>;
}

export type SlotName = keyof SlotArgs;

export type Filler<N extends SlotName> = (
  ctx: PageContext,
  args: SlotArgs[N],
  req: FastifyRequest,
) => SlotFill | null | Promise<SlotFill | null>;

/** The text of a story whose body is not stored with it; undefined when it is not this source's. */
export type StoryBodySource = (story: Story) => Promise<string | undefined>;

type Fillers = { [N in SlotName]: Array<{ order: number; fill: Filler<N> }> };

interface StorySlots {
  fillers: Fillers;
  bodies: StoryBodySource[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What features put on the story pages (see src/stories/slots.ts). */
    storySlots: StorySlots;
  }
}

/** Sets up the slots (the stories plugin does, before the features that fill them). */
export function decorateSlots(app: FastifyInstance): void {
  app.decorate('storySlots', {
    fillers: { storyTop: [], storyInsert: [], listInsert: [], homeAside: [], newsroom: [] },
    bodies: [],
  } satisfies StorySlots);
}

/**
 * Fills `slot` on every page that has it; `order` places the fill among the slot's others (lower
 * first). Call from the feature's plugin, which lists 'stories' in its dependencies.
 */
export function addSlot<N extends SlotName>(
  app: FastifyInstance,
  slot: N,
  order: number,
  fill: Filler<N>,
): void {
  const list = app.storySlots.fillers[slot] as Fillers[N];
  list.push({ order, fill });
  list.sort((a, b) => a.order - b.order);
}

/** What the features put into `slot` for this page, in order (empty fills left out). */
export async function fillSlot<N extends SlotName>(
  req: FastifyRequest,
  slot: N,
  ctx: PageContext,
  args: SlotArgs[N],
): Promise<SlotFill[]> {
  const list = req.server.storySlots.fillers[slot] as Fillers[N];
  const fills = await Promise.all(list.map((f) => f.fill(ctx, args, req)));
  return fills.filter((f): f is SlotFill => f !== null);
}

/** The part of a page's render key that the fills make. */
export function fillsKey(fills: SlotFill[]): string {
  return fills.map((f) => f.key).join(',');
}

/** What showing these fills again counts (see `SlotFill.shown`). */
export function fillsShown(...lists: SlotFill[][]): Array<() => void> {
  return lists.flatMap((l) => l.flatMap((f) => (f.shown ? [f.shown] : [])));
}

/** Adds where the text of stories not stored with their body comes from. */
export function addStoryBody(app: FastifyInstance, source: StoryBodySource): void {
  app.storySlots.bodies.push(source);
}

/** The story's text: its own body, or (when it has none) what a body source gives for it. */
export async function storyBody(req: FastifyRequest, story: Story): Promise<string> {
  if (story.body) return story.body;
  for (const source of req.server.storySlots.bodies) {
    const body = await source(story);
    if (body !== undefined) return body;
  }
  return story.body;
}
