/** The page shell: head, masthead with section navigation, main content, footer. */
import type { ComponentChildren } from 'preact';
import type { PageContext } from './context.ts';
import { assetUrl } from './assets.ts';

export interface LayoutProps {
  ctx: PageContext;
  title: string;
  description?: string;
  canonical?: string;
  children: ComponentChildren;
  noindex?: boolean;
}

export function Layout({ ctx, title, description, canonical, children, noindex }: LayoutProps) {
  const fullTitle = title === ctx.siteName ? title : `${title} | ${ctx.siteName}`;
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
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="masthead">
          <div class="wrap masthead-inner">
            <a class="brand" href="/">
              {ctx.siteName}
            </a>
            <p class="tagline">Independent news and the diplomatic cable archive</p>
          </div>
          <nav class="sections" aria-label="Sections">
            <ul class="wrap">
              <li>
                <a href="/" aria-current={ctx.path === '/' ? 'page' : undefined}>
                  Home
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
                <a href="/about/licensing">Licensing</a>
              </li>
            </ul>
          </nav>
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
        <footer class="site-footer">
          <div class="wrap footer-inner">
            <p>
              © {ctx.year} {ctx.siteName}. Free for personal reading;{' '}
              <a href="/about/licensing">organisations using it for work need a licence</a>.
            </p>
            <p>
              <a href="/terms">Terms of use</a> · <a href="/about/licensing">Licensing</a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
