/**
 * Staff tools: the admin navigation and the masthead's "Admin" link. Each entry names the policy of
 * the page it links to, and is shown only to those `can()` lets in, so the navigation and the
 * authorisation policy cannot disagree (test/web/admin-nav.test.ts checks the names against the
 * routes).
 */
import { can, type Action, type Actor } from '../platform/policy.ts';
import type { PageContext, PageMember } from './context.ts';

export interface AdminLink {
  href: string;
  label: string;
  /** The policy of the GET route at `href`. */
  policy: Action;
}

export const ADMIN_LINKS: readonly AdminLink[] = [
  { href: '/admin', label: 'Dashboard', policy: 'newsroom.edit' },
  { href: '/admin/stories/new', label: 'New story', policy: 'newsroom.edit' },
  { href: '/admin/sections', label: 'Sections', policy: 'newsroom.edit' },
  { href: '/admin/press-releases', label: 'Press releases', policy: 'press-release.review' },
  { href: '/admin/cables', label: 'Cable import', policy: 'cables.upload' },
  { href: '/admin/feeds', label: 'Partner feeds', policy: 'feeds.manage' },
  { href: '/admin/ads', label: 'Ads', policy: 'ads.manage' },
  { href: '/newsletter/editor', label: 'Newsletter', policy: 'newsletter.edit' },
  { href: '/admin/licensing', label: 'Licensing', policy: 'licensing.review' },
  { href: '/admin/licensing/leads', label: 'Leads', policy: 'licensing.review' },
  { href: '/admin/users', label: 'Users', policy: 'members.list' },
];

/** The actor a page is rendered for, as the policy sees it. */
export function pageActor(member: PageMember | null): Actor {
  if (!member) return { kind: 'anonymous' };
  return {
    kind: 'member',
    id: member.id,
    email: member.email,
    role: member.role,
    confirmed: member.confirmed,
  };
}

/** The staff pages this member may open, in navigation order (none for readers and visitors). */
export function adminLinksFor(member: PageMember | null): AdminLink[] {
  const actor = pageActor(member);
  return ADMIN_LINKS.filter((l) => can(actor, l.policy));
}

/** Whether a path is one of the staff pages (they show the admin navigation). */
export function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/') || path.startsWith('/newsletter/editor');
}

function current(path: string, href: string): boolean {
  if (href === '/admin') return path === '/admin';
  if (href === '/admin/licensing')
    return (
      path === href || (path.startsWith(href + '/') && !path.startsWith('/admin/licensing/leads'))
    );
  return path === href || path.startsWith(href + '/');
}

export function AdminNav({ ctx }: { ctx: PageContext }) {
  const links = adminLinksFor(ctx.member);
  if (links.length === 0) return null;
  return (
    <nav class="admin-nav" aria-label="Staff tools">
      <ul>
        {links.map((l) => (
          <li key={l.href}>
            <a href={l.href} aria-current={current(ctx.path, l.href) ? 'page' : undefined}>
              {l.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
