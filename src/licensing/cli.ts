/** `broadsheet orgs add|list`: organisations and licences from the command line. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { connect } from '../platform/db.ts';
import { createMailer } from '../platform/mail.ts';
import { UsageError, type Command, type CommandContext } from '../platform/cli.ts';
import {
  addDomain,
  addNetwork,
  createOrganisation,
  grantLicence,
  normaliseDomain,
  type LicensingDeps,
} from './service.ts';
import { ORGANISATION_KINDS, type OrganisationKind } from './schema.ts';
import { getTier, listOrganisations, listTiers, licencesOf } from './store.ts';
import { organisationLicence } from './world.ts';
import { parseCidr } from '../lib/cidr.ts';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import {
  fetchPublishedList,
  parseSearchEngineFile,
  refreshSearchEngines,
  SEARCH_ENGINES_FILE,
  searchEnginesPath,
  writeSearchEngineFile,
  type ListFetcher,
} from './crawlers.ts';

async function withDeps<T>(ctx: CommandContext, fn: (d: LicensingDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await connect(config);
  const mailer = createMailer(config);
  try {
    await ctx.migrate(db);
    return await fn({
      db: db.kysely,
      mailer,
      siteName: config.siteName,
      baseUrl: config.baseUrl,
      payment: config.payment,
    });
  } finally {
    await mailer.close();
    await db.close();
  }
}

const add: Command = {
  name: 'orgs add',
  usage:
    'broadsheet orgs add --name NAME [--kind KIND] [--contact EMAIL] [--domain D]... [--network CIDR]... [--tier T] [--paid]',
  summary:
    'Create an organisation with verified domains and networks; --paid gives it an active licence for a year.',
  async run(args, ctx) {
    let v;
    try {
      v = parseArgs({
        args,
        options: {
          name: { type: 'string' },
          kind: { type: 'string', default: 'other' },
          contact: { type: 'string' },
          domain: { type: 'string', multiple: true, default: [] },
          network: { type: 'string', multiple: true, default: [] },
          tier: { type: 'string', default: 'small' },
          paid: { type: 'boolean', default: false },
        },
        strict: true,
      }).values;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const name = v.name?.trim();
    if (!name) throw new UsageError('--name is required.');
    if (!ORGANISATION_KINDS.includes(v.kind as OrganisationKind))
      throw new UsageError(`--kind must be one of ${ORGANISATION_KINDS.join(', ')}.`);
    const domains = v.domain.map((d) => ({ d, n: normaliseDomain(d) }));
    const badDomain = domains.find((x) => !x.n);
    if (badDomain)
      throw new UsageError(`--domain ${badDomain.d} is not a domain name (e.g. example.org).`);
    for (const n of v.network) {
      const p = parseCidr(n);
      if (!p.ok) throw new UsageError(`--network ${n}: ${p.error}`);
    }
    return withDeps(ctx, async (d) => {
      const tier = await getTier(d.db, v.tier);
      if (!tier)
        throw new UsageError(
          `--tier must be one of ${(await listTiers(d.db)).map((t) => t.id).join(', ')}.`,
        );
      const contact =
        v.contact?.trim().toLowerCase() || (domains[0] ? `licensing@${domains[0].n}` : '');
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(contact))
        throw new UsageError('--contact EMAIL is required when no --domain is given.');
      const id = await createOrganisation(
        d,
        { name, kind: v.kind as OrganisationKind, tierId: tier.id, contactEmail: contact },
        null,
      );
      for (const { n } of domains) {
        // Every domain was normalised above (a bad one stops the command before anything is made).
        const r = await addDomain(d, id, n ?? '');
        if (!r.ok) {
          console.error(r.message);
          continue;
        }
        await d.db
          .updateTable('org_domains')
          .set({ verified_at: new Date().toISOString(), verified_by: 'admin', expires_at: null })
          .where('organisation_id', '=', id)
          .where('domain', '=', r.domain)
          .execute();
      }
      for (const n of v.network) {
        const r = await addNetwork(d, id, n, '');
        if (!r.ok) console.error(r.message);
      }
      let licence = '';
      if (v.paid) {
        const l = await grantLicence(d, id, tier.id);
        licence = `, licensed until ${l.expires_at!.slice(0, 10)}`;
      }
      console.log(`Created organisation ${id}: ${name} (${tier.label})${licence}.`);
      return 0;
    });
  },
};

const list: Command = {
  name: 'orgs list',
  usage: 'broadsheet orgs list',
  summary: 'List organisations with their licence status.',
  async run(args, ctx) {
    if (args.length) throw new UsageError(`unexpected argument ${args[0]}`);
    return withDeps(ctx, async (d) => {
      const orgs = await listOrganisations(d.db);
      if (!orgs.length) {
        console.log('No organisations yet.');
        return 0;
      }
      const now = new Date();
      for (const o of orgs) {
        const lic = organisationLicence(await licencesOf(d.db, o.id), now);
        const status =
          lic.status === 'active'
            ? `active until ${lic.expiresAt!.toISOString().slice(0, 10)}`
            : lic.status;
        console.log(`${String(o.id).padStart(5)}  ${o.name}  [${o.kind}, ${o.tier_id}]  ${status}`);
      }
      return 0;
    });
  },
};

/** The fetcher `crawlers refresh` uses (tests replace it: the engines' lists are not reachable from them). */
export const crawlerLists: { fetch: ListFetcher } = { fetch: (url) => fetchPublishedList(url) };

const refreshCrawlers: Command = {
  name: 'crawlers refresh',
  usage: 'broadsheet crawlers refresh [--out FILE]',
  summary:
    'Fetch the search engines’ published address ranges (https) into DATA_DIR/search-engines.json, or FILE.',
  async run(args, ctx) {
    let v;
    try {
      v = parseArgs({ args, options: { out: { type: 'string' } }, strict: true }).values;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const config = loadConfig();
    const out = v.out ?? join(config.dataDir, SEARCH_ENGINES_FILE);
    // Start from what is in force: the refreshed copy if there is one, else the shipped list.
    const from = v.out && existsSync(v.out) ? v.out : searchEnginesPath(config.dataDir);
    const current = parseSearchEngineFile(readFileSync(from, 'utf8'));
    const report = await refreshSearchEngines(current, crawlerLists.fetch, new Date());
    for (const line of report.lines) console.log(line);
    if (report.refreshed === 0) {
      // Nothing new: writing a copy would only hide later updates of the shipped list.
      console.log(`No list could be refreshed; ${out} was not written.`);
      return 1;
    }
    writeSearchEngineFile(out, report.file);
    console.log(
      `Wrote ${out}.${report.failures ? ` ${report.failures} list(s) could not be refreshed; their ranges were kept.` : ''}`,
    );
    return report.failures ? 1 : 0;
  },
};

/** The licensing commands: organisations, and the search engines' address ranges. */
export const orgsCommands: Command[] = [add, list, refreshCrawlers];
