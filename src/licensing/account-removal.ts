/**
 * What deleting a member's account means for licensing (src/platform/account-removal.ts): the only
 * administrator of an organisation cannot go, as the organisation would be left without one; a seat
 * and saved searches go with the account (the foreign keys cascade).
 */
import type { Db } from '../platform/db.ts';
import { counted, type RemovalView } from '../platform/account-removal.ts';
import { organisationsOfMember } from './store.ts';

export async function licensingRemoval(db: Db, memberId: number): Promise<RemovalView> {
  const k = db.kysely;
  const orgs = await organisationsOfMember(k, memberId);
  const alone: string[] = [];
  for (const o of orgs.filter((x) => x.role === 'admin')) {
    const admins = await k
      .selectFrom('organisation_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organisation_id', '=', o.id)
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    if (Number(admins.n) <= 1) alone.push(o.name);
  }
  const searches = await k
    .selectFrom('saved_searches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('member_id', '=', memberId)
    .executeTakeFirstOrThrow();
  const removes: string[] = [];
  const seats = orgs.filter((o) => !alone.includes(o.name));
  if (seats.length)
    removes.push(`your place at ${seats.map((o) => o.name).join(', ')} (the organisation stays)`);
  if (Number(searches.n))
    removes.push(
      `${counted(Number(searches.n), 'saved search', 'saved searches')} and their alerts`,
    );
  return {
    refusal: alone.length
      ? `You are the only administrator of ${alone.join(', ')}. An organisation needs one: write to us to pass it to a colleague or to close it, then delete your account.`
      : null,
    removes,
  };
}
