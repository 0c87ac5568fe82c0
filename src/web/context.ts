/** What every page needs to know about the request it renders for. */
import type { Section } from '../stories/store.ts';

export interface AccessView {
  status: 'personal' | 'licensed' | 'work-unlicensed' | 'automated-licensed' | 'automated-unlicensed';
  organisation: { id: string; name: string } | null;
  adFree: boolean;
  notice: string;
}

export interface PageContext {
  siteName: string;
  baseUrl: string;
  path: string;
  csrf: string;
  sections: Section[];
  access: AccessView;
  year: number;
}

export const PERSONAL_ACCESS: AccessView = {
  status: 'personal',
  organisation: null,
  adFree: false,
  notice: 'Free for personal reading. Using it for work? Your organisation needs a licence.',
};
