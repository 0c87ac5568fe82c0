/** The page shell: head, masthead with section navigation, main content, footer. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from './context.ts';
import { assetUrl } from './assets.ts';
import type { Flash } from '../lib/flash.ts';
import { AdminNav, adminLinksFor, isAdminPath } from './admin-nav.tsx';

export interface LayoutProps {
  ctx: PageContext;
  title: string;
  description?: string;
  canonical?: string;
  children: ComponentChildren;
  noindex?: boolean;
  /** Feeds announced for autodiscovery besides the site-wide ones (e.g. a section's). */
  feeds?: FeedLink[];
  /** Extra head elements: Open Graph, Twitter and JSON-LD metadata. */
  head?: ComponentChildren;
}

export interface FeedLink {
  title: string;
  href: string;
  type: 'rss' | 'atom';
}

/** Every page announces the site's own RSS and Atom feeds. */
export const SITE_FEEDS: FeedLink[] = [
  { title: 'Latest stories (RSS)', href: '/feeds/home.rss', type: 'rss' },
  { title: 'Latest stories (Atom)', href: '/feeds/home.atom', type: 'atom' },
];

export function Layout({
  ctx,
  title,
  description,
  canonical,
  children,
  noindex,
  feeds,
  head,
}: LayoutProps) {
  const fullTitle = title === ctx.siteName ? title : `${title} | ${ctx.siteName}`;
  const staffHome = adminLinksFor(ctx.member)[0]?.href ?? null;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        {description ? <meta name="description" content={description} /> : null}
        {canonical ? <link rel="canonical" href={ctx.baseUrl + canonical} /> : null}
        {noindex ? <meta name="robots" content="noindex" /> : null}
        <link rel="stylesheet" href={assetUrl('site.css')} />
        <link rel="icon" href={assetUrl('favicon.svg')} type="image/svg+xml" />
        {[...SITE_FEEDS, ...(feeds ?? [])].map((f) => (
          <link
            key={f.href}
            rel="alternate"
            type={f.type === 'rss' ? 'application/rss+xml' : 'application/atom+xml'}
            title={`${ctx.siteName}: ${f.title}`}
            href={ctx.baseUrl + f.href}
          />
        ))}
        {head}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="masthead">
          {/* Phones: the checkbox opens the menu (sections and account) without a script. */}
          <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label="Show the menu" />
          <div class="wrap masthead-inner">
            <a class="brand" href="/">
              {ctx.siteName}
            </a>
            <p class="tagline">Independent news and the diplomatic cable archive</p>
            <label class="menu-button" for="nav-toggle" aria-hidden="true">
              Menu
            </label>
            <form class="masthead-search" method="get" action="/search" role="search">
              <label for="masthead-q" class="visually-hidden">
                Search the archive
              </label>
              <input
                id="masthead-q"
                type="search"
                name="q"
                placeholder="Search cables and stories"
                maxLength={500}
              />
              <button type="submit">Search</button>
            </form>
            <nav class="account-nav" aria-label="Account">
              {ctx.member ? (
                <>
                  {staffHome ? (
                    <a
                      class="admin-link"
                      href={staffHome}
                      aria-current={isAdminPath(ctx.path) ? 'page' : undefined}
                    >
                      Admin
                    </a>
                  ) : null}
                  <a href="/account">{ctx.member.email}</a>
                  <form method="post" action="/logout">
                    <input type="hidden" name="_csrf" value={ctx.csrf} />
                    <button type="submit">Log out</button>
                  </form>
                </>
              ) : (
                <>
                  <a href="/login">Log in</a> / <a href="/register">Register</a>
                </>
              )}
            </nav>
          </div>
          <nav class="sections" aria-label="Sections">
            <ul class="wrap">
              <li>
                <a href="/" aria-current={ctx.path === '/' ? 'page' : undefined}>
                  Home
                </a>
              </li>
              <li>
                <a
                  href="/cables"
                  aria-current={
                    ctx.path === '/cables' || ctx.path.startsWith('/cables/') ? 'page' : undefined
                  }
                >
                  Cables
                </a>
              </li>
              {ctx.sections.map((s) => {
                const href = `/sections/${s.slug}`;
                return (
                  <li key={s.slug}>
                    <a href={href} aria-current={ctx.path.startsWith(href) ? 'page' : undefined}>
                      {s.name}
                    </a>
                  </li>
                );
              })}
              <li>
                <a
                  href="/about/licensing"
                  aria-current={ctx.path === '/about/licensing' ? 'page' : undefined}
                >
                  Licensing
                </a>
              </li>
            </ul>
          </nav>
        </header>
        <main id="main" class="wrap">
          {isAdminPath(ctx.path) ? <AdminNav ctx={ctx} /> : null}
          {ctx.flash && <FlashNotice flash={ctx.flash} />}
          {children}
        </main>
        <footer class="site-footer">
          <div class="wrap footer-inner">
            <p>
              © {ctx.year} {ctx.siteName}. Free for personal reading;{' '}
              <a href="/about/licensing">organisations using it for work need a licence</a>.
            </p>
            <p>
              <a href="/terms">Terms of use</a> · <a href="/about/licensing">Licensing</a> ·{' '}
              <a href="/newsletter">Newsletter</a>
            </p>
            <form class="footer-signup" method="post" action="/newsletter/signup">
              <label for="footer-email">The Monday Dispatch, free every week:</label>{' '}
              <input
                id="footer-email"
                type="email"
                name="email"
                required
                placeholder="you@example.org"
                autoComplete="email"
              />{' '}
              <button class="button" type="submit">
                Subscribe
              </button>
            </form>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** The message left by the form just posted: green when done, amber when partly done, red when refused. */
function FlashNotice({ flash }: { flash: Flash }) {
  return (
    <div class={`notice flash ${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
      <p>{flash.message}</p>
      {flash.secret && (
        <p>
          <code class="secret">{flash.secret}</code>
        </p>
      )}
    </div>
  );
}
