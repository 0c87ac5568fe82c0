/**
 * Removing a member's account (the account page's "Delete my account"). A feature that keeps rows
 * about a member says, through its manifest's `accountRemoval`, whether the account may go yet and
 * what of its own goes with it; the database's foreign keys then remove those rows with the
 * account. The platform names no feature: the list is assembled from the manifests.
 */
import type { Db } from './db.ts';

/** One feature's answer about one member. */
export interface RemovalView {
  /** Why the account cannot be deleted yet, in words the member can act on; null when it can. */
  refusal: string | null;
  /** What of this feature goes with the account, in words ("2 saved searches"); none when empty. */
  removes: string[];
}

/** A feature's check for one member (read only: it changes nothing). */
export type AccountRemovalCheck = (db: Db, memberId: number) => Promise<RemovalView>;

/** Every feature's answers for one member, together. */
export interface AccountRemovalView {
  refusals: string[];
  removes: string[];
}

/** Joins the features' answers (in the order of the feature list). */
export function joinRemovalViews(views: readonly RemovalView[]): AccountRemovalView {
  return {
    refusals: views.flatMap((v) => (v.refusal ? [v.refusal] : [])),
    removes: views.flatMap((v) => v.removes),
  };
}

/** `n thing` or `n things`, for the words of `removes`. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
