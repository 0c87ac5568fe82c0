/** What every page needs to know about the request it renders for. */
import type { Section } from '../stories/store.ts';

export interface AccessView {
  status:
    'personal' | 'licensed' | 'work-unlicensed' | 'automated-licensed' | 'automated-unlicensed';
  organisation: { id: string; name: string } | null;
  adFree: boolean;
  notice: string;
}

/** The signed-in member as pages see it. */
export interface PageMember {
  id: number;
  email: string;
  role: 'reader' | 'editor' | 'admin';
  /** Whether the address is confirmed (an unconfirmed member holds no role). */
  confirmed: boolean;
  declaredUse: 'personal' | 'work' | null;
  workOrganisation: string | null;
}

export interface PageContext {
  siteName: string;
  baseUrl: string;
  path: string;
  csrf: string;
  sections: Section[];
  access: AccessView;
  /** Null when nobody is signed in. */
  member: PageMember | null;
  year: number;
}

export const PERSONAL_ACCESS: AccessView = {
  status: 'personal',
  organisation: null,
  adFree: false,
  notice: 'Free for personal reading. Using it for work? Your organisation needs a licence.',
};
