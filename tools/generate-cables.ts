/**
 * Deterministic synthetic cable corpus in the cables.csv layout (8 double-quoted columns,
 * MySQL-dump escaping, real newlines inside fields). Same count + seed → byte-identical output.
 *
 * The text is invented: a grammar over a hand-written vocabulary of diplomatic English, with
 * Zipf-like word frequencies, so full-text search sees realistic term statistics. Station list,
 * origin weights, classification mix and year distribution follow the published shape of the
 * real archive (most cables 2004–2010; Secretary of State, Ankara, Baghdad, Tokyo heaviest).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { MONTH_NAMES } from '../src/web/format.ts';

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Write every embedded newline as `\` + newline (the variant some dump copies use). */
  lineContinuations?: boolean;
}

export interface WriteOptions extends GenerateOptions {
  onProgress?: (rows: number, bytes: number) => void;
}

// ---------------------------------------------------------------------------------------------
// PRNG: xoshiro128** seeded through splitmix32.

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(arr: readonly T[]): T {
    return arr[this.int(arr.length)];
  }

  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Zipf sampler over a ranked list: p(rank r) ∝ 1 / (r + q)^s, via a 64K lookup table. */
class Zipf<T> {
  private readonly table: Uint16Array;

  constructor(
    readonly items: readonly T[],
    s = 1.0,
    q = 1.5,
  ) {
    const n = items.length;
    const w = new Float64Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) total += w[r] = 1 / Math.pow(r + q, s);
    this.table = new Uint16Array(65536);
    let acc = 0;
    let r = 0;
    for (let i = 0; i < 65536; i++) {
      const u = (i + 0.5) / 65536;
      while (r < n - 1 && (acc + w[r]) / total < u) acc += w[r++];
      this.table[i] = r;
    }
  }

  draw(rng: Rng): T {
    return this.items[this.table[rng.u32() >>> 16]];
  }
}

/** Weighted choice through a cumulative table. */
class Weighted<T> {
  private readonly cum: Float64Array;
  readonly items: T[];

  constructor(pairs: ReadonlyArray<readonly [T, number]>) {
    this.items = pairs.map((p) => p[0]);
    this.cum = new Float64Array(pairs.length);
    let t = 0;
    pairs.forEach((p, i) => (this.cum[i] = t += p[1]));
    for (let i = 0; i < this.cum.length; i++) this.cum[i] /= t;
  }

  draw(rng: Rng): T {
    const u = rng.float();
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return this.items[lo];
  }
}

// ---------------------------------------------------------------------------------------------
// Stations: code (as in reference ids), banner name, origin, PLAD, routing indicator, FIPS geo
// tag, country, region, weight (≈ cables in the real archive).

export interface Station {
  code: string;
  banner: string;
  origin: string;
  plad: string;
  ri: string;
  geo: string;
  country: string;
  region: 'WASH' | 'EUR' | 'NEA' | 'SCA' | 'EAP' | 'WHA' | 'AF' | 'IO';
  weight: number;
}

type StationRow = [string, string, string, string, Station['region'], number, string?, string?];
// [code, banner, ri, geo:country, region, weight, kind (E embassy, C consulate, M mission, S special), origin override]
const STATION_ROWS: StationRow[] = [
  ['STATE', 'STATE', 'RUEHC', 'US:United States', 'WASH', 8017, 'S', 'Secretary of State'],
  ['ANKARA', 'ANKARA', 'RUEHAK', 'TU:Turkey', 'EUR', 7918],
  ['BAGHDAD', 'BAGHDAD', 'RUEHGB', 'IZ:Iraq', 'NEA', 6677],
  ['TOKYO', 'TOKYO', 'RUEHKO', 'JA:Japan', 'EAP', 5697],
  ['BEIJING', 'BEIJING', 'RUEHBJ', 'CH:China', 'EAP', 3888],
  [
    'AITTAIPEI',
    'AIT TAIPEI',
    'RUEHIN',
    'TW:Taiwan',
    'EAP',
    3460,
    'S',
    'American Institute Taiwan, Taipei',
  ],
  ['HONGKONG', 'HONG KONG', 'RUEHHK', 'HK:Hong Kong', 'EAP', 3150, 'C'],
  ['KUWAIT', 'KUWAIT', 'RUEHKU', 'KU:Kuwait', 'NEA', 2980],
  ['CAIRO', 'CAIRO', 'RUEHEG', 'EG:Egypt', 'NEA', 2950],
  ['MOSCOW', 'MOSCOW', 'RUEHMO', 'RS:Russia', 'EUR', 2900],
  ['AMMAN', 'AMMAN', 'RUEHAM', 'JO:Jordan', 'NEA', 2850],
  ['PARIS', 'PARIS', 'RUEHFR', 'FR:France', 'EUR', 2700],
  ['TELAVIV', 'TEL AVIV', 'RUEHTV', 'IS:Israel', 'NEA', 2650],
  ['CARACAS', 'CARACAS', 'RUEHCV', 'VE:Venezuela', 'WHA', 2300],
  ['KABUL', 'KABUL', 'RUEHBUL', 'AF:Afghanistan', 'SCA', 2250],
  ['ISLAMABAD', 'ISLAMABAD', 'RUEHIL', 'PK:Pakistan', 'SCA', 2200],
  ['BANGKOK', 'BANGKOK', 'RUEHBK', 'TH:Thailand', 'EAP', 2150],
  [
    'USUNNEWYORK',
    'USUN NEW YORK',
    'RUCNDT',
    'UNSC:United Nations',
    'IO',
    2100,
    'M',
    'USUN New York',
  ],
  ['NEWDELHI', 'NEW DELHI', 'RUEHNE', 'IN:India', 'SCA', 2100],
  ['SEOUL', 'SEOUL', 'RUEHUL', 'KS:South Korea', 'EAP', 2050],
  ['BERLIN', 'BERLIN', 'RUEHRL', 'GM:Germany', 'EUR', 2000],
  ['LONDON', 'LONDON', 'RUEHLO', 'UK:United Kingdom', 'EUR', 1950],
  ['BRASILIA', 'BRASILIA', 'RUEHBR', 'BR:Brazil', 'WHA', 1900],
  ['USNATO', 'USNATO', 'RUEHNO', 'NATO:NATO', 'EUR', 1800, 'M', 'Mission USNATO'],
  ['BOGOTA', 'BOGOTA', 'RUEHBO', 'CO:Colombia', 'WHA', 1800],
  ['MEXICO', 'MEXICO', 'RUEHME', 'MX:Mexico', 'WHA', 1700],
  ['BEIRUT', 'BEIRUT', 'RUEHLB', 'LE:Lebanon', 'NEA', 1600],
  ['BUENOSAIRES', 'BUENOS AIRES', 'RUEHBU', 'AR:Argentina', 'WHA', 1600],
  [
    'USEUBRUSSELS',
    'USEU BRUSSELS',
    'RUEHBS',
    'EUN:European Union',
    'EUR',
    1500,
    'M',
    'USEU Brussels',
  ],
  ['ABUDHABI', 'ABU DHABI', 'RUEHAD', 'AE:United Arab Emirates', 'NEA', 1500],
  ['MADRID', 'MADRID', 'RUEHMD', 'SP:Spain', 'EUR', 1500],
  ['NAIROBI', 'NAIROBI', 'RUEHNR', 'KE:Kenya', 'AF', 1500],
  ['KHARTOUM', 'KHARTOUM', 'RUEHKH', 'SU:Sudan', 'AF', 1500],
  ['MANILA', 'MANILA', 'RUEHML', 'RP:Philippines', 'EAP', 1500],
  ['JAKARTA', 'JAKARTA', 'RUEHJA', 'ID:Indonesia', 'EAP', 1500],
  ['ROME', 'ROME', 'RUEHRO', 'IT:Italy', 'EUR', 1450],
  ['ATHENS', 'ATHENS', 'RUEHTH', 'GR:Greece', 'EUR', 1400],
  ['HANOI', 'HANOI', 'RUEHHI', 'VM:Vietnam', 'EAP', 1400],
  ['RIYADH', 'RIYADH', 'RUEHRH', 'SA:Saudi Arabia', 'NEA', 1300],
  ['LIMA', 'LIMA', 'RUEHPE', 'PE:Peru', 'WHA', 1300],
  ['KYIV', 'KYIV', 'RUEHKV', 'UP:Ukraine', 'EUR', 1300],
  ['HARARE', 'HARARE', 'RUEHSB', 'ZI:Zimbabwe', 'AF', 1300],
  ['THEHAGUE', 'THE HAGUE', 'RUEHTC', 'NL:Netherlands', 'EUR', 1300],
  ['DAMASCUS', 'DAMASCUS', 'RUEHDM', 'SY:Syria', 'NEA', 1200],
  ['ISTANBUL', 'ISTANBUL', 'RUEHIT', 'TU:Turkey', 'EUR', 1200, 'C'],
  ['ADDISABABA', 'ADDIS ABABA', 'RUEHDS', 'ET:Ethiopia', 'AF', 1200],
  ['OTTAWA', 'OTTAWA', 'RUEHOT', 'CA:Canada', 'WHA', 1200],
  ['GENEVA', 'GENEVA', 'RUEHGV', 'SZ:Switzerland', 'IO', 1200, 'M', 'Mission Geneva'],
  ['ABUJA', 'ABUJA', 'RUEHUJA', 'NI:Nigeria', 'AF', 1100],
  ['PRETORIA', 'PRETORIA', 'RUEHSA', 'SF:South Africa', 'AF', 1100],
  ['KUALALUMPUR', 'KUALA LUMPUR', 'RUEHKL', 'MY:Malaysia', 'EAP', 1100],
  ['JERUSALEM', 'JERUSALEM', 'RUEHJM', 'KWBG:West Bank', 'NEA', 1100, 'C'],
  ['TBILISI', 'TBILISI', 'RUEHSI', 'GG:Georgia', 'EUR', 1000],
  ['HAVANA', 'HAVANA', 'RUEHUB', 'CU:Cuba', 'WHA', 1000, 'S', 'US Interests Section Havana'],
  ['SAOPAULO', 'SAO PAULO', 'RUEHSO', 'BR:Brazil', 'WHA', 1000, 'C'],
  ['SANTIAGO', 'SANTIAGO', 'RUEHSG', 'CI:Chile', 'WHA', 1000],
  ['MANAMA', 'MANAMA', 'RUEHMK', 'BA:Bahrain', 'NEA', 1000],
  ['COLOMBO', 'COLOMBO', 'RUEHLM', 'CE:Sri Lanka', 'SCA', 1000],
  ['DHAKA', 'DHAKA', 'RUEHKA', 'BG:Bangladesh', 'SCA', 1000],
  [
    'UNVIEVIENNA',
    'UNVIE VIENNA',
    'RUEHUNV',
    'IAEA:International Atomic Energy Agency',
    'IO',
    900,
    'M',
    'UNVIE',
  ],
  ['BRUSSELS', 'BRUSSELS', 'RUEHBS', 'BE:Belgium', 'EUR', 900],
  ['VIENNA', 'VIENNA', 'RUEHVI', 'AU:Austria', 'EUR', 900],
  ['WARSAW', 'WARSAW', 'RUEHWR', 'PL:Poland', 'EUR', 900],
  ['RABAT', 'RABAT', 'RUEHRB', 'MO:Morocco', 'NEA', 900],
  ['DOHA', 'DOHA', 'RUEHDO', 'QA:Qatar', 'NEA', 900],
  ['SANAA', 'SANAA', 'RUEHYN', 'YM:Yemen', 'NEA', 900],
  ['KATHMANDU', 'KATHMANDU', 'RUEHKT', 'NP:Nepal', 'SCA', 900],
  ['CANBERRA', 'CANBERRA', 'RUEHBY', 'AS:Australia', 'EAP', 900],
  ['PRAGUE', 'PRAGUE', 'RUEHPG', 'EZ:Czech Republic', 'EUR', 800],
  ['TUNIS', 'TUNIS', 'RUEHTU', 'TS:Tunisia', 'NEA', 800],
  ['DUBAI', 'DUBAI', 'RUEHDE', 'AE:United Arab Emirates', 'NEA', 800, 'C'],
  ['TASHKENT', 'TASHKENT', 'RUEHNT', 'UZ:Uzbekistan', 'SCA', 800],
  ['BERN', 'BERN', 'RUEHSW', 'SZ:Switzerland', 'EUR', 700],
  ['ALGIERS', 'ALGIERS', 'RUEHAS', 'AG:Algeria', 'NEA', 700],
  ['ASTANA', 'ASTANA', 'RUEHTA', 'KZ:Kazakhstan', 'SCA', 700],
  ['BAKU', 'BAKU', 'RUEHKB', 'AJ:Azerbaijan', 'EUR', 700],
  ['TRIPOLI', 'TRIPOLI', 'RUEHTRO', 'LY:Libya', 'NEA', 500],
  ['KINGSTON', 'KINGSTON', 'RUEHKG', 'JM:Jamaica', 'WHA', 400],
  ['IRANRPODUBAI', 'IRAN RPO DUBAI', 'RUEHIRPO', 'IR:Iran', 'NEA', 300, 'S', 'Iran RPO Dubai'],
];

function titleCase(s: string): string {
  return s.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

export const STATIONS: readonly Station[] = STATION_ROWS.map(
  ([code, banner, ri, gc, region, weight, kind, origin]) => {
    const [geo, country] = gc.split(':');
    const k = kind ?? 'E';
    const plad =
      code === 'STATE'
        ? 'SECSTATE WASHDC'
        : k === 'C'
          ? `AMCONSUL ${banner}`
          : k === 'M'
            ? `USMISSION ${banner}`
            : k === 'S'
              ? code === 'HAVANA'
                ? 'USINT HAVANA'
                : banner
              : `AMEMBASSY ${banner}`;
    const name = origin ?? `${k === 'C' ? 'Consulate' : 'Embassy'} ${titleCase(banner)}`;
    return { code, banner, origin: name, plad, ri, geo, country, region, weight };
  },
);

// ---------------------------------------------------------------------------------------------
// Vocabulary (ranked roughly by frequency within each class).

const w = (s: string): string[] => s.trim().split(/\s+/);

const NOUNS = w(`
government minister official meeting issue election party president country embassy support
policy security discussion cooperation agreement visit relationship assistance program effort
plan process talks proposal position view concern reform law decision role question situation
economy sector report group leader time year week month day opposition parliament committee
ministry office director council agency commission organization delegation counterpart contact
member majority minority coalition cabinet administration authority court judge case investigation
crisis conflict violence attack threat force military army police border region province area
city capital village community population people citizen public media press statement interview
comment remark message letter note request response action step measure initiative strategy
approach framework mechanism dialogue negotiation deal compromise settlement resolution vote
campaign candidate result turnout ballot fraud observer monitor commitment obligation priority
interest influence pressure power control stability development growth investment trade export
import market price budget deficit debt loan fund bank currency inflation tax revenue oil gas
energy pipeline electricity infrastructure project contract company firm business industry
agriculture food water health education school university student teacher worker union strike
protest demonstration rally activist journalist editor newspaper television radio website
right freedom democracy corruption transparency accountability rule justice prison prisoner
detention trial sentence charge evidence witness victim refugee migrant asylum visa passport
consulate post mission ambassador diplomat envoy spokesman advisor adviser expert analyst
representative senator congressman staff team unit brigade battalion officer soldier troop
operation exercise training equipment weapon arms missile nuclear program reactor enrichment
uranium inspection sanction embargo resolution treaty convention protocol summit conference
forum session agenda draft text paragraph language amendment provision article clause
framework partnership alliance neighbor partner ally rival adversary regime movement faction
militia insurgent insurgency terrorist terrorism extremist extremism network cell financing
smuggling trafficking narcotics drug cartel crime criminal gang kidnapping murder bombing
explosion casualty death injury damage reconstruction aid donor grant loan relief disaster
flood earthquake drought famine shortage outbreak disease epidemic vaccine hospital clinic
environment climate emission forest fishery land property ownership title reform privatization
regulation license permit tariff quota subsidy barrier dispute arbitration tribunal panel
ruling appeal constitution referendum amendment term mandate succession transition handover
appointment resignation dismissal reshuffle scandal allegation accusation denial criticism
praise concern frustration optimism skepticism confidence trust suspicion tension rivalry
hostility cooperation engagement outreach consultation coordination briefing readout demarche
nonpaper talking point instruction guidance cable telegram memo memorandum summary comment
background context history legacy tradition culture religion faith church mosque clergy cleric
tribe clan ethnic group minority language identity nationalism sovereignty territory island
coast sea river valley mountain desert highway road railway port airport flight aircraft ship
vessel navy fleet base facility installation site camp checkpoint roadblock patrol raid
offensive ceasefire truce withdrawal deployment presence reinforcement contingent peacekeeper
commander general colonel chief deputy secretary undersecretary governor mayor prefect
councilor speaker chairman chairwoman head vice spokesperson nominee successor predecessor
incumbent challenger rival ally host guest counterpart interlocutor source insider observer
academic scholar think tank institute foundation association federation chamber council board
bureau department division section branch desk portfolio dossier file record document data
figure statistic number percent rate share level amount total estimate projection forecast
target goal objective benchmark milestone deadline timeline schedule date period phase stage
round cycle quarter fiscal revenue spending expenditure allocation appropriation audit review
assessment evaluation analysis study survey poll sample finding conclusion recommendation
option alternative scenario outcome consequence impact effect implication risk challenge
obstacle difficulty problem shortcoming gap weakness strength advantage opportunity incentive
leverage bargain concession demand condition precondition guarantee assurance pledge promise
signal gesture overture invitation offer refusal rejection acceptance approval endorsement
consensus unity division split rift defection boycott walkout protest petition complaint
grievance claim counterclaim lawsuit verdict acquittal conviction pardon amnesty release
exchange swap transfer handover extradition deportation expulsion ban restriction curfew
emergency state martial law decree order directive regulation bill legislation statute code
platform manifesto ideology doctrine vision agenda reform package stimulus recovery recession
downturn crisis collapse default bailout rescue restructuring merger acquisition tender bid
auction concession license exploration production output capacity refinery plant mine
mineral gold copper diamond timber cotton coffee sugar rice wheat grain fertilizer livestock
fishing tourism remittance labor wage salary pension benefit welfare poverty unemployment
inequality housing urbanization migration census registration identification card database
surveillance intelligence information communication telecommunications internet broadband
satellite technology research science innovation patent copyright piracy counterfeit
enforcement compliance violation breach abuse torture disappearance execution harassment
intimidation censorship crackdown arrest raid seizure confiscation closure suspension
`);

const PLURAL_EXCEPTIONS: Record<string, string> = {
  people: 'people',
  police: 'police',
  staff: 'staff',
  data: 'data',
  media: 'media',
  press: 'press',
  analysis: 'analyses',
  crisis: 'crises',
  criterion: 'criteria',
  think: 'think',
  tank: 'tanks',
  chief: 'chiefs',
  sheep: 'sheep',
  fishery: 'fisheries',
  livestock: 'livestock',
  law: 'laws',
  emergency: 'emergencies',
  martial: 'martial',
  state: 'states',
};

function plural(n: string): string {
  const ex = PLURAL_EXCEPTIONS[n];
  if (ex) return ex;
  if (/(s|x|z|ch|sh)$/.test(n)) return n + 'es';
  if (/[^aeiou]y$/.test(n)) return n.slice(0, -1) + 'ies';
  return n + 's';
}

const VERBS = w(`
support discuss raise express note stress urge seek continue meet agree plan expect remain
hope want need consider provide offer request propose announce accept reject approve oppose
push press call ask tell explain describe acknowledge admit deny confirm suggest indicate
emphasize reiterate highlight underscore welcome criticize praise warn threaten promise pledge
commit intend decide choose prefer insist argue claim complain respond reply react appear
seem become begin start launch open close end finish complete implement enforce adopt pass
sign ratify negotiate mediate broker resolve settle address tackle handle manage lead head
chair host visit travel return arrive depart attend join leave form create establish build
develop expand increase reduce cut limit restrict block prevent stop halt suspend resume delay
postpone cancel extend renew review assess evaluate monitor track investigate examine study
analyze report inform brief update share exchange coordinate cooperate engage consult contact
maintain sustain strengthen improve reinforce undermine weaken challenge question doubt fear
worry believe think feel know understand recognize realize learn hear see expect estimate
predict forecast anticipate prepare organize arrange schedule invite host receive deliver
send transfer provide fund finance invest spend allocate earmark lend borrow owe pay collect
impose lift ease tighten deploy withdraw station train equip arm detain arrest release free
charge convict sentence pardon accuse blame target attack kill wound injure destroy damage
rebuild restore protect defend secure guard control dominate influence shape drive affect
benefit harm hurt risk face confront encounter overcome address avoid ignore dismiss downplay
minimize exaggerate overstate characterize portray depict frame present publish release leak
broadcast air cover document record register file submit present table introduce draft amend
revise endorse back favor advocate promote encourage discourage persuade convince pressure
lobby court woo isolate marginalize sideline replace appoint nominate elect dismiss fire
resign step retire succeed follow precede accompany
`);

const IRREGULAR_PAST: Record<string, string> = {
  meet: 'met',
  tell: 'told',
  seek: 'sought',
  begin: 'began',
  lead: 'led',
  leave: 'left',
  build: 'built',
  cut: 'cut',
  think: 'thought',
  feel: 'felt',
  know: 'knew',
  understand: 'understood',
  hear: 'heard',
  see: 'saw',
  send: 'sent',
  spend: 'spent',
  lend: 'lent',
  pay: 'paid',
  become: 'became',
  choose: 'chose',
  hold: 'held',
  give: 'gave',
  take: 'took',
  bring: 'brought',
  keep: 'kept',
  say: 'said',
  win: 'won',
  lose: 'lost',
  set: 'set',
  put: 'put',
  speak: 'spoke',
  drive: 'drove',
  hurt: 'hurt',
  overcome: 'overcame',
  free: 'freed',
  plan: 'planned',
  commit: 'committed',
  admit: 'admitted',
  stop: 'stopped',
  submit: 'submitted',
  transfer: 'transferred',
  control: 'controlled',
  prefer: 'preferred',
  ban: 'banned',
  rebuild: 'rebuilt',
  arm: 'armed',
};

function pastTense(v: string): string {
  const ex = IRREGULAR_PAST[v];
  if (ex) return ex;
  if (v.endsWith('e')) return v + 'd';
  if (/[^aeiou]y$/.test(v)) return v.slice(0, -1) + 'ied';
  return v + 'ed';
}

function thirdPerson(v: string): string {
  if (/(s|x|z|ch|sh|o)$/.test(v)) return v + 'es';
  if (/[^aeiou]y$/.test(v)) return v.slice(0, -1) + 'ies';
  return v + 's';
}

function gerund(v: string): string {
  const doubled: Record<string, string> = {
    plan: 'planning',
    commit: 'committing',
    admit: 'admitting',
    stop: 'stopping',
    submit: 'submitting',
    transfer: 'transferring',
    control: 'controlling',
    prefer: 'preferring',
    begin: 'beginning',
    cut: 'cutting',
    set: 'setting',
    put: 'putting',
    win: 'winning',
    ban: 'banning',
  };
  if (doubled[v]) return doubled[v];
  if (v.endsWith('ie')) return v.slice(0, -2) + 'ying';
  if (v.endsWith('e') && !v.endsWith('ee')) return v.slice(0, -1) + 'ing';
  return v + 'ing';
}

const ADJECTIVES = w(`
new political economic national international regional local foreign domestic public private
senior former current recent key major significant important serious strong weak possible
likely unlikely clear broad narrow general specific official unofficial formal informal
bilateral multilateral military civilian security legal judicial constitutional parliamentary
presidential electoral democratic independent opposition ruling central federal provincial
municipal rural urban northern southern eastern western border coastal strategic tactical
critical positive negative constructive frank candid open cautious careful firm flexible
pragmatic realistic optimistic pessimistic skeptical confident concerned worried frustrated
satisfied pleased disappointed angry nervous reluctant willing eager ready able unable
difficult easy complex simple sensitive controversial contentious divisive popular unpopular
credible reliable accurate detailed brief lengthy short long full partial limited extensive
substantial modest small large high low rising falling growing declining stable unstable
volatile fragile robust sustainable effective ineffective efficient costly expensive cheap
financial fiscal monetary commercial industrial agricultural environmental humanitarian social
cultural religious ethnic tribal sectarian secular moderate radical extremist conservative
liberal progressive traditional modern historic unprecedented unusual routine regular annual
monthly weekly daily initial final further additional other similar different various several
numerous few many certain particular main primary secondary direct indirect immediate urgent
timely early late previous upcoming next last following past future long-term short-term
medium-term joint mutual common shared collective individual personal professional technical
administrative operational logistical financial budgetary legislative executive ministerial
diplomatic consular commercial maritime naval aerial ground armed nuclear chemical biological
conventional illegal illicit legitimate lawful unlawful corrupt transparent accountable fair
free credible violent peaceful hostile friendly cordial warm cool tense calm quiet vocal
outspoken influential powerful prominent leading top deputy acting interim provisional
transitional permanent temporary special extraordinary emergency preliminary comprehensive
detailed technical substantive procedural symbolic practical concrete tangible vague
ambiguous contradictory consistent inconsistent coherent serious grave severe acute chronic
widespread isolated sporadic frequent rare occasional persistent continued renewed
`);

const ADVERBS = w(`
also however still already only now recently currently reportedly clearly strongly
publicly privately repeatedly separately subsequently previously initially ultimately
eventually quickly slowly carefully firmly openly frankly directly personally formally
informally largely mostly generally widely increasingly significantly substantially
particularly especially notably primarily mainly partly fully entirely completely nearly
almost roughly approximately apparently evidently obviously possibly probably likely
certainly definitely perhaps unfortunately fortunately surprisingly predictably understandably
reluctantly willingly quietly actively aggressively effectively successfully consistently
regularly frequently occasionally rarely immediately soon later earlier again further
`);

const PREPOSITIONS = new Weighted<string>([
  ['of', 30],
  ['in', 22],
  ['to', 14],
  ['for', 12],
  ['on', 10],
  ['with', 9],
  ['by', 6],
  ['from', 6],
  ['at', 5],
  ['about', 4],
  ['during', 2],
  ['after', 2],
  ['before', 1.5],
  ['under', 1.5],
  ['between', 1.5],
  ['against', 1.5],
  ['through', 1],
  ['within', 1],
  ['without', 1],
  ['over', 1],
  ['among', 0.7],
  ['regarding', 0.7],
  ['despite', 0.5],
  ['toward', 0.5],
  ['beyond', 0.3],
]);

const DETERMINERS = new Weighted<string>([
  ['the', 60],
  ['a', 14],
  ['this', 4],
  ['its', 4],
  ['their', 4],
  ['any', 2],
  ['such', 1.5],
  ['that', 2],
  ['each', 1],
  ['another', 1],
  ['our', 2],
  ['his', 2],
  ['her', 1],
  ['no', 1],
]);

const PLURAL_DETERMINERS = new Weighted<string>([
  ['the', 40],
  ['', 25],
  ['these', 4],
  ['several', 4],
  ['many', 4],
  ['some', 5],
  ['their', 4],
  ['its', 2],
  ['other', 3],
  ['both', 2],
  ['few', 1],
  ['all', 2],
  ['most', 1.5],
  ['two', 1.5],
  ['three', 1],
]);

const CONNECTORS = w(`
However Moreover In_addition At_the_same_time Separately Nevertheless Meanwhile Still
Furthermore Nonetheless According_to_our_contacts In_private Privately Publicly For_now
In_contrast Similarly As_a_result Consequently Indeed Ultimately
`).map((s) => s.replace(/_/g, ' '));

const SAY_VERBS = new Weighted<string>([
  ['said', 30],
  ['noted', 12],
  ['told', 10],
  ['stressed', 6],
  ['explained', 5],
  ['added', 5],
  ['emphasized', 4],
  ['commented', 3],
  ['observed', 3],
  ['asserted', 2],
  ['claimed', 3],
  ['acknowledged', 3],
  ['confided', 2],
  ['complained', 2],
  ['argued', 2],
  ['underscored', 2],
  ['lamented', 1],
  ['predicted', 1.5],
  ['speculated', 1.5],
  ['insisted', 1.5],
  ['reported', 2],
  ['opined', 1],
  ['cautioned', 1.5],
  ['warned', 2],
  ['suggested', 2],
]);

const MODALS = w(`will would could should may might must cannot`);

const ACTORS = w(`
PolOff EmbOff Post Embassy USG GOI MFA PolCouns EconOff DCM Ambassador Charge Washington
Department EconCouns PolMilOff DATT RSO ConGen DAS A/S NSC USAID DOD Treasury Congress
`);

const ORGS = w(`
NATO UN EU IAEA OSCE ASEAN IMF WTO OPEC UNHCR UNDP WFP ICRC AU OAS GCC UNSC OECD ICC Interpol
World_Bank Arab_League Red_Cross Human_Rights_Watch Amnesty_International
`).map((s) => s.replace(/_/g, ' '));

const TITLES = new Weighted<string>([
  ['Foreign Minister', 10],
  ['Prime Minister', 8],
  ['President', 8],
  ['Deputy Foreign Minister', 6],
  ['Minister of Defense', 4],
  ['Interior Minister', 4],
  ['Finance Minister', 4],
  ['MFA Director', 5],
  ['Deputy Minister', 4],
  ['Ambassador', 5],
  ['opposition leader', 4],
  ['party leader', 3],
  ['MP', 6],
  ['Senator', 3],
  ['Governor', 3],
  ['Mayor', 2],
  ['Chief of Staff', 2],
  ['National Security Advisor', 3],
  ['Presidential Advisor', 3],
  ['Central Bank Governor', 2],
  ['Economy Minister', 2],
  ['Energy Minister', 2],
  ['Justice Minister', 2],
  ['Trade Minister', 2],
  ['Director General', 3],
  ['Secretary General', 2],
  ['Special Envoy', 2],
  ['Chief Justice', 1],
  ['General', 3],
  ['Colonel', 2],
  ['Admiral', 1],
  ['journalist', 2],
  ['editor', 1.5],
  ['professor', 1.5],
  ['businessman', 2],
  ['NGO director', 2],
  ['human rights activist', 2],
  ['Embassy contact', 3],
  ['political analyst', 2],
  ['former minister', 2],
]);

const FIRST_NAMES = w(`
Ahmed Mohammed Ali Hassan Omar Yusuf Ibrahim Khalid Mustafa Tariq Karim Samir Nabil Fuad Walid
Jose Juan Carlos Luis Miguel Jorge Pedro Manuel Ricardo Fernando Alejandro Diego Pablo Rafael
Maria Ana Carmen Isabel Lucia Elena Sofia Laura Patricia Beatriz Claudia Rosa Gabriela
Ivan Sergei Dmitri Nikolai Alexei Vladimir Mikhail Andrei Pavel Oleg Yuri Viktor Boris
Olga Natalia Irina Svetlana Tatiana Elena Anna Marina
Hiroshi Takeshi Kenji Yuki Akira Satoshi Naoko Keiko Toshiro Masato
Wei Jian Ming Li Hua Jun Lei Yan Ping Xiaoming
Jean Pierre Michel Francois Philippe Nicolas Alain Bernard Claude Sophie Marie Catherine
Hans Klaus Wolfgang Jurgen Stefan Thomas Andreas Peter Markus Angela Ursula Petra
Giovanni Marco Giuseppe Luca Franco Paolo Alessandro Roberto Giulia Francesca
Mehmet Ahmet Mustafa Emre Murat Kemal Ayse Fatma Zeynep Hakan Selim
Rajesh Sunil Anil Vijay Ravi Sanjay Priya Sunita Arjun Kiran
David John Michael Robert James William Richard Thomas Susan Elizabeth Jennifer Margaret
Kwame Kofi Joseph Samuel Emmanuel Grace Esther Moses Abdoulaye Mamadou
Nguyen Tran Somchai Anwar Rizal Budi Siti Agus Jae-won Min-jun
`);

const SURNAMES = w(`
Hassan Rahman Haddad Khoury Mansour Nasser Saleh Aziz Karimi Hosseini Barzani Talabani
Rodriguez Gonzalez Fernandez Lopez Martinez Sanchez Perez Gomez Diaz Torres Ramirez Flores
Morales Vargas Castillo Herrera Mendoza Silva Santos Oliveira Costa Pereira Almeida Souza
Ivanov Petrov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov Pavlov
Tanaka Suzuki Takahashi Watanabe Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki
Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin
Dubois Martin Bernard Moreau Laurent Lefebvre Girard Roux Fournier Mercier Lambert
Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz Koch Richter
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo
Yilmaz Kaya Demir Sahin Celik Yildiz Aydin Ozturk Arslan Dogan Kilic Aslan
Sharma Verma Gupta Singh Kumar Patel Reddy Nair Iyer Rao Mehta Chopra
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore
Mensah Owusu Boateng Okafor Adeyemi Diallo Traore Kamau Otieno Mugabe Banda Phiri
Nguyen Tran Pham Le Hoang Wongsa Suharto Santoso Kim Lee Park Choi Jung Kang
`);

/** US officials' surnames for signatures and Classified By lines (generic surnames). */
const US_SURNAMES = w(`
ANDERSON BAKER BROWN CARTER CLARK COLLINS COOPER DAVIS EDWARDS EVANS FISHER FOSTER GRAHAM
GRANT GREEN HALL HAMILTON HARRIS HAYES HILL HOWARD HUGHES JACKSON JENKINS JOHNSON KELLY
KENNEDY KING LEWIS LONG MARSHALL MARTIN MASON MILLER MITCHELL MOORE MORGAN MORRIS MURPHY
NELSON PARKER PERRY PETERSON PHILLIPS PRICE REED REYNOLDS RICHARDSON ROBERTS ROBINSON
ROGERS ROSS RUSSELL SANDERS SCOTT SHAW SIMMONS STEWART SULLIVAN TAYLOR THOMPSON TURNER
WALKER WALLACE WARD WATSON WELLS WHITE WILLIAMS WILSON WOOD WRIGHT YOUNG BENNETT BRADLEY
BURNS CAMPBELL CRAWFORD DUNN ELLIOTT FLETCHER GARDNER HARPER HOLMES HUNT KNIGHT LAWSON
MCCARTHY MCDONALD MORROW NOLAN OWENS PALMER POWERS QUINN RILEY SPENCER STONE TUCKER WEBB
`);

const US_FIRST = w(`
John Robert Michael William James David Richard Thomas Charles Daniel Mark Paul Steven
Kevin Brian Gregory Patrick Timothy Susan Karen Nancy Linda Barbara Elizabeth Mary Anne
Deborah Janet Carol Margaret Kathleen Christopher Joseph Lawrence Stephen Gary Douglas
`);

const SECRETARIES: Array<[number, string]> = [
  [1966, 'RUSK'],
  [1969, 'ROGERS'],
  [1973, 'KISSINGER'],
  [1977, 'VANCE'],
  [1980, 'MUSKIE'],
  [1981, 'HAIG'],
  [1982, 'SHULTZ'],
  [1989, 'BAKER'],
  [1992, 'EAGLEBURGER'],
  [1993, 'CHRISTOPHER'],
  [1997, 'ALBRIGHT'],
  [2001, 'POWELL'],
  [2005, 'RICE'],
  [2009, 'CLINTON'],
];

const SUBJECT_TAGS = new Weighted<string>([
  ['PREL', 100],
  ['PGOV', 80],
  ['PTER', 32],
  ['PINR', 25],
  ['ECON', 22],
  ['MARR', 16],
  ['PHUM', 16],
  ['MOPS', 13],
  ['EFIN', 10],
  ['ETRD', 10],
  ['ENRG', 9],
  ['EPET', 6],
  ['EAID', 8],
  ['KDEM', 8],
  ['PINS', 7],
  ['KJUS', 6],
  ['SNAR', 6],
  ['KCRM', 5],
  ['MASS', 5],
  ['PARM', 5],
  ['KNNP', 6],
  ['EINV', 5],
  ['ASEC', 5],
  ['CVIS', 4],
  ['SOCI', 5],
  ['PREF', 4],
  ['KPAO', 4],
  ['OVIP', 4],
  ['KMDR', 3],
  ['ELAB', 3],
  ['EAGR', 3],
  ['SENV', 3],
  ['KIPR', 3],
  ['KTFN', 3],
  ['CASC', 2],
  ['AMGT', 2],
  ['OEXC', 2],
  ['KWMN', 2],
  ['KCOR', 3],
  ['TBIO', 1],
  ['SMIG', 2],
  ['KISL', 2],
  ['KGHG', 1.5],
  ['KHLS', 1.5],
  ['ETTC', 1.5],
  ['PBTS', 1.5],
  ['MCAP', 1.5],
  ['MNUC', 1.5],
  ['TSPA', 0.5],
  ['SCUL', 1],
  ['ECIN', 1],
  ['EWWT', 0.7],
  ['EAIR', 0.7],
  ['TINT', 0.5],
]);

const COLLECTIVES: Record<Station['region'], string[]> = {
  WASH: ['RUEHZL/EUROPEAN POLITICAL COLLECTIVE', 'RUEHXK/ARAB ISRAELI COLLECTIVE'],
  EUR: [
    'RUEHZL/EUROPEAN POLITICAL COLLECTIVE',
    'RUCNMEM/EU MEMBER STATES COLLECTIVE',
    'RUEHZG/NATO EU COLLECTIVE',
  ],
  NEA: [
    'RUEHXK/ARAB ISRAELI COLLECTIVE',
    'RUEHEE/ARAB LEAGUE COLLECTIVE',
    'RUCNIRA/IRAN COLLECTIVE',
    'RUEHZM/GULF COOPERATION COUNCIL COLLECTIVE',
  ],
  SCA: ['RUEHZG/SOUTH AND CENTRAL ASIA COLLECTIVE', 'RUCNCIS/CIS COLLECTIVE'],
  EAP: ['RUEHZU/ASIAN PACIFIC ECONOMIC COOPERATION', 'RUCNASE/ASEAN MEMBER COLLECTIVE'],
  WHA: ['RUEHWH/WESTERN HEMISPHERIC AFFAIRS DIPL POSTS', 'RUEHAC/MERCOSUR COLLECTIVE'],
  AF: ['RUEHZO/AFRICAN UNION COLLECTIVE', 'RUEHXR/SOUTHERN AFRICAN DEVELOPMENT COMMUNITY'],
  IO: ['RUCNDT/USMISSION USUN NEW YORK', 'RUEHZL/EUROPEAN POLITICAL COLLECTIVE'],
};

const AGENCIES = [
  'RHEHNSC/NSC WASHDC',
  'RUEKJCS/SECDEF WASHDC',
  'RUEKJCS/JOINT STAFF WASHDC',
  'RHEFDIA/DIA WASHDC',
  'RUEAIIA/CIA WASHDC',
  'RHMFISS/HQ USCENTCOM MACDILL AFB FL',
  'RHMFIUU/HQ USEUCOM VAIHINGEN GE',
  'RUCPDOC/USDOC WASHDC',
  'RUEATRS/DEPT OF TREASURY WASHINGTON DC',
  'RHHMUNA/CDR USPACOM HONOLULU HI',
  'RUMIAAA/USSOUTHCOM MIAMI FL',
];

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Approximate relative cable counts per year (the archive is dominated by 2004–2010). */
const YEAR_WEIGHTS: Array<[number, number]> = [
  [1966, 1],
  [1967, 2],
  [1968, 2],
  [1969, 3],
  [1970, 3],
  [1971, 3],
  [1972, 5],
  [1973, 30],
  [1974, 30],
  [1975, 40],
  [1976, 45],
  [1977, 40],
  [1978, 40],
  [1979, 50],
  [1980, 40],
  [1981, 30],
  [1982, 30],
  [1983, 40],
  [1984, 40],
  [1985, 200],
  [1986, 250],
  [1987, 250],
  [1988, 300],
  [1989, 450],
  [1990, 600],
  [1991, 500],
  [1992, 400],
  [1993, 400],
  [1994, 400],
  [1995, 500],
  [1996, 600],
  [1997, 700],
  [1998, 700],
  [1999, 900],
  [2000, 1500],
  [2001, 2500],
  [2002, 4000],
  [2003, 9000],
  [2004, 16000],
  [2005, 24000],
  [2006, 35000],
  [2007, 43000],
  [2008, 44000],
  [2009, 45000],
  [2010, 7500],
];

const FIRST_TIME = Date.UTC(1966, 11, 28, 18, 48);
const LAST_TIME = Date.UTC(2010, 1, 28, 23, 59);

const CLASSIFICATIONS = new Weighted<string>([
  ['UNCLASSIFIED', 75792],
  ['UNCLASSIFIED//FOR OFFICIAL USE ONLY', 58095],
  ['CONFIDENTIAL', 97070],
  ['CONFIDENTIAL//NOFORN', 4678],
  ['SECRET', 11322],
  ['SECRET//NOFORN', 4330],
]);

// ---------------------------------------------------------------------------------------------
// Generator state

interface IdRing {
  ids: string[];
  next: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function ringPush(r: IdRing, id: string, cap: number): void {
  if (r.ids.length < cap) r.ids.push(id);
  else {
    r.ids[r.next] = id;
    r.next = (r.next + 1) % cap;
  }
}

function esc(s: string, continuation: boolean): string {
  let out = s.replace(/[\\"']/g, (m) => '\\' + m);
  if (continuation) out = out.replace(/\n/g, '\\\n');
  return out;
}

class CableFactory {
  private readonly rng: Rng;
  private readonly stationPick = new Weighted<Station>(STATIONS.map((s) => [s, s.weight] as const));
  private readonly byCode = new Map(STATIONS.map((s) => [s.code, s]));
  private readonly nouns: Zipf<string>;
  private readonly plurals: Map<string, string>;
  private readonly verbs: Zipf<string>;
  private readonly verbForms: Map<string, [string, string, string]>;
  private readonly adjs: Zipf<string>;
  private readonly advs: Zipf<string>;
  private readonly firsts: Zipf<string>;
  private readonly surnames: Zipf<string>;
  private readonly serials = new Map<string, { year: number; serial: number }>();
  private readonly recentByStation = new Map<string, IdRing>();
  private readonly recentAll: IdRing = { ids: [], next: 0 };
  private readonly mcn = new Map<string, number>();
  private readonly yearCum: Array<{ start: number; end: number; cum: number }> = [];
  private readonly count: number;
  private lastTime = FIRST_TIME;

  constructor(count: number, seed: number) {
    this.rng = new Rng(seed);
    this.count = count;
    this.nouns = new Zipf(NOUNS, 0.95);
    this.plurals = new Map(NOUNS.map((n) => [n, plural(n)]));
    this.verbs = new Zipf(VERBS, 0.9);
    this.verbForms = new Map(VERBS.map((v) => [v, [pastTense(v), thirdPerson(v), gerund(v)]]));
    this.adjs = new Zipf(ADJECTIVES, 0.95);
    this.advs = new Zipf(ADVERBS, 1.0);
    this.firsts = new Zipf(FIRST_NAMES, 0.6, 3);
    this.surnames = new Zipf(SURNAMES, 0.6, 3);
    let total = 0;
    for (const [year, weight] of YEAR_WEIGHTS) {
      const start = Math.max(Date.UTC(year, 0, 1), FIRST_TIME);
      const end = Math.min(Date.UTC(year + 1, 0, 1), LAST_TIME);
      total += weight;
      this.yearCum.push({ start, end, cum: total });
    }
    for (const y of this.yearCum) y.cum /= total;
  }

  /** Chronological creation time for row i (stratified over the year distribution). */
  private timeFor(i: number): number {
    if (i === 0) return FIRST_TIME;
    const u = Math.min((i + this.rng.float()) / this.count, 0.999999999);
    let k = 0;
    while (this.yearCum[k].cum < u) k++;
    const prev = k === 0 ? 0 : this.yearCum[k - 1].cum;
    const f = (u - prev) / (this.yearCum[k].cum - prev);
    const seg = this.yearCum[k];
    let t = seg.start + f * (seg.end - seg.start);
    t = Math.floor(t / 60000) * 60000;
    if (t < this.lastTime) t = this.lastTime;
    if (t > LAST_TIME) t = LAST_TIME;
    this.lastTime = t;
    return t;
  }

  private nextSerial(st: Station, year: number): number {
    const gap = st.code === 'STATE' ? 160 : st.code === 'USUNNEWYORK' || st.weight > 5000 ? 5 : 8;
    let s = this.serials.get(st.code);
    if (!s || s.year !== year) {
      s = { year, serial: 0 };
      this.serials.set(st.code, s);
    }
    s.serial += 1 + this.rng.int(gap);
    return s.serial;
  }

  private nextMcn(from: string, to: string): string {
    const key = from + '>' + to;
    let v = this.mcn.get(key);
    v = v === undefined ? 1 + this.rng.int(9000) : v + 1 + this.rng.int(3);
    this.mcn.set(key, v);
    return pad(v % 10000, 4);
  }

  // ---- text ----------------------------------------------------------------------------------

  private person(redact: boolean): string {
    const r = this.rng.float();
    if (redact && r < 0.25) return 'XXXXXXXXXXXX';
    if (r < 0.55) return `${TITLES.draw(this.rng)} ${this.surnames.draw(this.rng)}`;
    if (r < 0.8)
      return `${TITLES.draw(this.rng)} ${this.firsts.draw(this.rng)} ${this.surnames.draw(this.rng)}`;
    return this.surnames.draw(this.rng);
  }

  private nounPhrase(depth = 0): string {
    const rng = this.rng;
    const pl = rng.chance(0.28);
    const noun = this.nouns.draw(rng);
    let head = pl ? this.plurals.get(noun)! : noun;
    const adjN = rng.float();
    if (adjN < 0.45) head = `${this.adjs.draw(rng)} ${head}`;
    else if (adjN < 0.55) head = `${this.adjs.draw(rng)} ${this.nouns.draw(rng)} ${head}`;
    else if (adjN < 0.6) head = `${this.adjs.draw(rng)}, ${this.adjs.draw(rng)} ${head}`;
    const det = pl ? PLURAL_DETERMINERS.draw(rng) : DETERMINERS.draw(rng);
    let np = det ? `${det === 'a' && /^[aeiou]/.test(head) ? 'an' : det} ${head}` : head;
    if (depth < 1 && rng.chance(0.3))
      np += ` ${PREPOSITIONS.draw(rng)} ${this.nounPhrase(depth + 1)}`;
    return np;
  }

  private subject(ctx: Ctx): string {
    const r = this.rng.float();
    if (r < 0.38) return this.nounPhrase();
    if (r < 0.62) return this.person(ctx.redact);
    if (r < 0.78) return this.rng.pick(ACTORS);
    if (r < 0.88)
      return `the ${this.rng.pick(['government', 'ministry', 'party', 'opposition', 'parliament', 'military', 'court', 'cabinet', 'president'])}`;
    if (r < 0.95) return this.rng.pick(ORGS);
    return ctx.station.country;
  }

  private object(ctx: Ctx): string {
    const r = this.rng.float();
    if (r < 0.72) return this.nounPhrase();
    if (r < 0.82) return this.person(ctx.redact);
    if (r < 0.9) return this.rng.pick(ORGS);
    if (r < 0.95) return this.rng.pick(ACTORS);
    return `${this.rng.range(2, 900)} ${this.rng.pick(['percent', 'million dollars', 'troops', 'people', 'seats', 'votes', 'projects', 'cases', 'members'])}`;
  }

  private verbPhrase(): string {
    const rng = this.rng;
    const v = this.verbs.draw(rng);
    const [past, third, ing] = this.verbForms.get(v)!;
    const r = rng.float();
    let vp: string;
    if (r < 0.42) vp = past;
    else if (r < 0.57) vp = `${rng.pick(MODALS)} ${rng.chance(0.15) ? 'not ' : ''}${v}`;
    else if (r < 0.7) vp = third;
    else if (r < 0.78) vp = `${rng.pick(['is', 'was', 'are', 'were'])} ${ing}`;
    else if (r < 0.86) vp = `${rng.pick(['has', 'have', 'had'])} ${past}`;
    else if (r < 0.93) vp = `did not ${v}`;
    else
      vp = `${rng.pick(['plans', 'intends', 'hopes', 'wants', 'agreed', 'refused', 'declined', 'promised'])} to ${v}`;
    if (rng.chance(0.18)) vp = `${this.advs.draw(rng)} ${vp}`;
    return vp;
  }

  private clause(ctx: Ctx): string {
    let c = `${this.subject(ctx)} ${this.verbPhrase()} ${this.object(ctx)}`;
    const rng = this.rng;
    const extras = rng.float();
    if (extras < 0.55) c += ` ${PREPOSITIONS.draw(rng)} ${this.nounPhrase(1)}`;
    if (extras < 0.15) c += ` ${PREPOSITIONS.draw(rng)} ${this.nounPhrase(1)}`;
    if (rng.chance(0.06)) c += ` on ${MONTH_NAMES[ctx.month]} ${rng.range(1, 28)}`;
    if (rng.chance(0.05)) c += ` in ${rng.pick(CITY_MENTIONS)}`;
    return c;
  }

  private sentence(ctx: Ctx): string {
    const rng = this.rng;
    const r = rng.float();
    let s: string;
    if (r < 0.3) s = this.clause(ctx);
    else if (r < 0.48)
      s = `${this.person(ctx.redact)} ${SAY_VERBS.draw(rng)} that ${this.clause(ctx)}`;
    else if (r < 0.58) s = `${rng.pick(CONNECTORS)}, ${this.clause(ctx)}`;
    else if (r < 0.66) s = `According to ${this.person(ctx.redact)}, ${this.clause(ctx)}`;
    else if (r < 0.76)
      s = `${this.clause(ctx)}, ${rng.pick(['but', 'and', 'while', 'although', 'because', 'since'])} ${this.clause(ctx)}`;
    else if (r < 0.82) {
      const q = this.clause(ctx);
      s = `${this.person(ctx.redact)} ${SAY_VERBS.draw(rng)}, "${q[0].toUpperCase()}${q.slice(1)}${rng.chance(0.5) ? '.' : ''}"`;
      return capitalize(s) + (s.endsWith('."') ? '' : '.');
    } else if (r < 0.88) {
      const who = rng.pick([
        'Minister',
        'government',
        'party',
        'President',
        'Embassy',
        'opposition',
        'country',
        'ministry',
      ]);
      s = `the ${who}'s ${this.nounPhrase(1).replace(/^(the|a|an) /, '')} ${this.verbPhrase()} ${this.object(ctx)}`;
    } else if (r < 0.92) {
      s = `${this.subject(ctx)} ${rng.pick(["doesn't", "didn't", "won't", "can't", 'does not', 'did not'])} ${this.verbs.draw(rng)} ${this.object(ctx)}`;
    } else if (r < 0.96) {
      s = `${this.clause(ctx)} (${rng.pick(['reftel', 'REF A', 'REF B', 'para 4', 'septel', 'ref'])})`;
    } else {
      s = `${rng.pick(ACTORS)} will continue to ${this.verbs.draw(rng)} ${this.object(ctx)} and report ${rng.pick(['septel', 'further developments', 'as appropriate'])}`;
    }
    return capitalize(s) + '.';
  }

  private paragraphText(ctx: Ctx, sentences: number): string {
    const sep = ctx.doubleSpace ? '  ' : ' ';
    let t = this.sentence(ctx);
    for (let i = 1; i < sentences; i++) t += sep + this.sentence(ctx);
    return t;
  }

  // ---- caption pieces ------------------------------------------------------------------------

  private subjectLine(ctx: Ctx): string {
    const rng = this.rng;
    const n = rng.range(2, 10);
    const parts: string[] = [];
    let words = 0;
    while (words < n) {
      const r = rng.float();
      let p: string;
      if (r < 0.3) p = this.nounPhrase(1).replace(/^(the|a|an) /, '');
      else if (r < 0.55)
        p = `${this.rng.pick(ACTORS)} ${this.verbForms.get(this.verbs.draw(rng))![1]} ${this.nouns.draw(rng)}`;
      else if (r < 0.7)
        p = `${this.adjs.draw(rng)} ${this.nouns.draw(rng)} ${rng.pick(['and', 'amid', 'after', 'on', 'over', 'for'])} ${this.nouns.draw(rng)}`;
      else
        p = `${this.surnames.draw(rng)} ${this.verbForms.get(this.verbs.draw(rng))![1]} ${this.nounPhrase(1).replace(/^(the|a|an) /, '')}`;
      parts.push(p);
      words += p.split(' ').length;
    }
    let s = parts.join(rng.chance(0.5) ? ', ' : '; ').toUpperCase();
    if (rng.chance(0.55))
      s = `${ctx.station.code === 'STATE' ? rng.pick(['DEMARCHE', 'GUIDANCE', 'REQUEST']) : ctx.station.country.toUpperCase()}: ${s}`;
    if (ctx.level !== 'U' && ctx.modern && rng.chance(0.2)) s = `(${ctx.portion}) ${s}`;
    return s;
  }

  private refDisplay(id: string, year: number): string {
    const m = /^(\d{2})([A-Z]+?)(\d+)$/.exec(id)!;
    const st = this.byCode.get(m[2]);
    const name = st ? st.banner : m[2];
    const yy = Number(m[1]);
    const refYear = yy >= 66 ? 1900 + yy : 2000 + yy;
    let serial = m[3];
    if (this.rng.chance(0.25)) serial = pad(Number(serial), 6);
    if (refYear === year) return `${name} ${serial}`;
    return this.rng.chance(0.5) ? `${m[1]} ${name} ${serial}` : `${refYear} ${name} ${serial}`;
  }

  private pickReferences(st: Station): string[] {
    const rng = this.rng;
    const r = rng.float();
    const n = r < 0.42 ? 0 : r < 0.67 ? 1 : r < 0.82 ? 2 : r < 0.91 ? 3 : r < 0.96 ? 4 : 5;
    const out = new Set<string>();
    const own = this.recentByStation.get(st.code);
    for (let i = 0; i < n * 2 && out.size < n; i++) {
      if (own && own.ids.length && rng.chance(0.7)) {
        // Biased toward recent cables of the same station.
        const k = own.ids.length;
        const back = Math.min(k - 1, Math.floor(Math.pow(rng.float(), 2) * k));
        const idx = (own.next - 1 - back + 2 * k) % k;
        out.add(own.ids[idx]);
      } else if (this.recentAll.ids.length) {
        out.add(rng.pick(this.recentAll.ids));
      }
    }
    return [...out].sort();
  }

  private classifiedBy(ctx: Ctx): string {
    const rng = this.rng;
    const name = `${rng.pick(US_FIRST)} ${rng.chance(0.5) ? String.fromCharCode(65 + rng.int(26)) + '. ' : ''}${titleCase(ctx.ambassador)}`;
    const other = `${rng.pick(US_FIRST)} ${titleCase(rng.pick(US_SURNAMES))}`;
    const who = rng.float();
    const titled =
      who < 0.35
        ? `Ambassador ${name}`
        : who < 0.5
          ? `Charge d'Affaires ${name}`
          : who < 0.62
            ? `DCM ${other}`
            : who < 0.8
              ? `Political Counselor ${other}`
              : who < 0.9
                ? `Economic Counselor ${other}`
                : `${rng.pick(['PolOff', 'A/DCM', 'Acting Political Counselor', 'Consul General', 'Deputy Political Counselor'])} ${other}`;
    const section = ctx.year < 2003 ? '1.5' : '1.4';
    const letters = rng.pick([
      ['b', 'd'],
      ['b', 'd'],
      ['b', 'd'],
      ['d'],
      ['b', 'c', 'd'],
      ['a', 'b', 'd'],
      ['c'],
      ['b'],
    ]);
    const list =
      letters.length === 1
        ? `(${letters[0]})`
        : letters
            .slice(0, -1)
            .map((l) => `(${l})`)
            .join(', ') + ` and (${letters[letters.length - 1]})`;
    if (ctx.year >= 2009 && rng.chance(0.15)) {
      return `CLASSIFIED BY: ${name}, ${rng.pick(['Ambassador', 'Political Counselor', 'DCM'])}, State, ${rng.pick(['EXEC', 'POL', 'ECON'])}; REASON: ${section}(${letters.join('), (').toUpperCase()})`;
    }
    return `Classified By: ${titled} for ${letters.length > 1 ? 'reasons' : 'reason'} ${section} ${list}.`;
  }

  // ---- one cable ------------------------------------------------------------------------------

  row(i: number, continuation: boolean): string {
    const rng = this.rng;
    const time = this.timeFor(i);
    const d = new Date(time);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    const hh = d.getUTCHours();
    const mm = d.getUTCMinutes();
    const station = i === 0 ? this.byCode.get('BUENOSAIRES')! : this.stationPick.draw(rng);
    const serial = this.nextSerial(station, year);
    const yy = pad(year % 100, 2);
    const id = `${yy}${station.code}${serial}`;
    const classification = CLASSIFICATIONS.draw(rng);
    const level = classification.startsWith('SECRET')
      ? 'S'
      : classification.startsWith('CONF')
        ? 'C'
        : 'U';
    const noforn = classification.endsWith('NOFORN');
    const fouo = classification.endsWith('ONLY');
    const modern = year >= 1995;
    const portion =
      level === 'U'
        ? fouo
          ? rng.pick(['SBU', 'SBU', 'U//FOUO'])
          : 'U'
        : noforn
          ? `${level}/NF`
          : level;
    const secIdx = SECRETARIES.findLastIndex(([y]) => y <= year);
    const ambassador =
      station.code === 'STATE'
        ? SECRETARIES[Math.max(0, secIdx)][1]
        : US_SURNAMES[hashInt(station.code, Math.floor(year / 3)) % US_SURNAMES.length];
    const ctx: Ctx = {
      station,
      year,
      month,
      level,
      portion,
      modern,
      redact: rng.chance(0.12),
      doubleSpace: !modern || rng.chance(0.4),
      ambassador,
    };
    const refs = this.pickReferences(station);

    // Body paragraphs, sized log-normally.
    const target = Math.min(250_000, Math.max(250, Math.exp(8.15 + 0.85 * rng.normal())));
    const paras: string[] = [];
    let size = 0;
    let n = 1;
    const hasSummary = rng.chance(0.62);
    const width = rng.range(60, 70);
    while (size < target) {
      let text = this.paragraphText(ctx, rng.range(1, 7));
      if (n === 1 && hasSummary) {
        text = `Summary: ${text}${ctx.doubleSpace ? '  ' : ' '}${this.paragraphText(ctx, rng.range(1, 4))}  End Summary.`;
      } else if (size > target * 0.75 && rng.chance(0.35)) {
        text = `Comment: ${text}  End Comment.`;
      }
      let lead: string;
      if (ctx.level === 'U' && !fouo && !modern) lead = `${n}. `;
      else
        lead = `${n}. (${portion === 'U' || rng.chance(0.85) ? portion : rng.pick(['U', 'SBU', portion])}) `;
      const block: string[] = [];
      if (n > 2 && rng.chance(0.08)) {
        const h = `${this.nounPhrase(1).replace(/^(the|a|an) /, '')}`.toUpperCase();
        block.push(
          h.length > width ? h.slice(0, width) : h,
          '-'.repeat(Math.min(width, h.length + 2)),
          ' ',
        );
      }
      wrap(lead + text, width, block);
      if (rng.chance(0.06)) {
        block.push(' ');
        const items = rng.range(2, 4);
        for (let k = 0; k < items; k++) wrap(`-- ${this.sentence(ctx)}`, width, block);
      }
      paras.push(block.join('\n'));
      size += lead.length + text.length;
      n++;
    }

    // Sections: long cables travel in several numbered sections with page markers inside.
    const sectionCount = Math.min(99, Math.max(1, Math.ceil(size / 7000)));
    const signer =
      station.code === 'STATE' ? ambassador : rng.chance(0.85) ? ambassador : rng.pick(US_SURNAMES);
    const body: string[] = [];
    const banner = bannerLine(level, ctx, station, serial, sectionCount, rng);
    body.push(banner, ' ');
    if (noforn) body.push('NOFORN ', ' ');
    if (fouo)
      body.push(
        rng.pick(['SENSITIVE ', 'SENSITIVE BUT UNCLASSIFIED ', 'FOR OFFICIAL USE ONLY ']),
        ' ',
      );
    if (modern && (level !== 'U' || rng.chance(0.7))) body.push('SIPDIS ', ' ');
    if (rng.chance(0.3)) {
      body.push(
        `${station.code === 'STATE' ? 'FOR' : rng.pick(['STATE FOR', 'DEPT FOR', 'DEPARTMENT FOR'])} ${rng.pick(['EUR', 'NEA', 'WHA', 'EAP', 'AF', 'SCA', 'INR', 'EEB', 'DRL', 'PM', 'ISN', 'S/CT', 'IO'])}/${rng.pick(['RPM', 'WE', 'ARP', 'IPA', 'FO', 'PPD', 'EX', 'CEN', 'B', 'RSA'])}${rng.chance(0.5) ? `, ${rng.pick(['INR', 'NSC', 'USTR', 'TREASURY', 'DOD'])}` : ''} `,
        ' ',
      );
    }
    body.push(eoLine(ctx, d, rng));
    const tags = new Set<string>();
    const nTags = rng.range(2, 7);
    while (tags.size < nTags - 1) tags.add(SUBJECT_TAGS.draw(rng));
    const tagList = [...tags];
    tagList.splice(
      Math.min(tagList.length, 2 + rng.int(3)),
      0,
      station.code === 'STATE' ? rng.pick(['XX', 'IR', 'IZ', 'AF', 'RS', 'CH', 'KN']) : station.geo,
    );
    const tagStyle = rng.float();
    body.push(
      tagStyle < 0.8
        ? `TAGS: ${tagList.join(', ')} `
        : tagStyle < 0.93
          ? `TAGS: ${tagList.join(' ')}`
          : `TAGS ${tagList.join(', ')}`,
    );
    wrap(`SUBJECT: ${this.subjectLine(ctx)}`, width, body);
    body.push(' ');
    if (refs.length) {
      if (refs.length === 1) {
        body.push(`${rng.chance(0.8) ? 'REF:' : 'REFTEL:'} ${this.refDisplay(refs[0], year)} `);
      } else {
        refs.forEach((r, k) => {
          const item = `${String.fromCharCode(65 + k)}. ${this.refDisplay(r, year)} `;
          body.push(k === 0 ? `REF: ${item}` : `     ${item}`);
        });
      }
      body.push(' ');
    }
    if (level !== 'U') {
      wrap(this.classifiedBy(ctx), 70, body);
      body.push(' ');
    }
    // Paragraphs, with a section marker roughly every 7 KB.
    let sectionSize = 0;
    let section = 1;
    for (let k = 0; k < paras.length; k++) {
      body.push(paras[k], ' ');
      sectionSize += paras[k].length;
      if (sectionSize > 7000 && section < sectionCount && k < paras.length - 1) {
        section++;
        sectionSize = 0;
        body.push(
          `${station.banner} ${pad(serial, 8)}  ${pad(section, 3)} OF ${pad(sectionCount, 3)} `,
          ' ',
        );
      }
    }
    if (!modern && rng.chance(0.3)) body.push('GP-3 ');
    body.push(rng.chance(0.06) ? `${signer} ${rng.pick(US_SURNAMES)}` : signer);
    if (rng.chance(0.03)) body.push('NNNN');

    let bodyText = body.join('\n');
    if (!modern || (year < 2003 && rng.chance(0.3))) bodyText = bodyText.toUpperCase();

    const header = this.header(station, ctx, serial, sectionCount, d, level, rng);

    // Remember the id for later references.
    let ring = this.recentByStation.get(station.code);
    if (!ring) this.recentByStation.set(station.code, (ring = { ids: [], next: 0 }));
    ringPush(ring, id, 48);
    ringPush(this.recentAll, id, 4096);

    const created = `${month + 1}/${day}/${year} ${hh}:${pad(mm, 2)}`;
    return (
      `"${i + 1}","${created}","${id}","${esc(station.origin, false)}","${classification}","${refs.join('|')}",` +
      `"${esc(header, continuation)}","${esc(bodyText, continuation)}"\n`
    );
  }

  private header(
    st: Station,
    ctx: Ctx,
    serial: number,
    sections: number,
    d: Date,
    level: string,
    rng: Rng,
  ): string {
    if (rng.chance(ctx.modern ? 0.03 : 0.06)) return '';
    const prec = rng.pick(['O', 'O', 'O', 'P', 'P', 'P', 'R', 'R']);
    const precWord = prec === 'O' ? 'IMMEDIATE' : prec === 'P' ? 'PRIORITY' : 'ROUTINE';
    const dtg = `${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}Z ${MONTHS[d.getUTCMonth()]} ${pad(ctx.year % 100, 2)}`;
    const fromPlad = st.plad;
    const lines: string[] = [];
    const others = (n: number): Station[] => {
      const out: Station[] = [];
      for (let k = 0; k < n * 3 && out.length < n; k++) {
        const o = rng.chance(0.6) ? STATIONS[rng.int(STATIONS.length)] : this.stationPick.draw(rng);
        if (o.code !== st.code && o.code !== 'STATE' && !out.includes(o)) {
          if (o.region === st.region || rng.chance(0.3)) out.push(o);
        }
      }
      return out;
    };
    if (!ctx.modern) {
      const second = rng.chance(0.3) ? ' R' : '';
      lines.push(`${prec}${second} ${dtg}`, `FM ${fromPlad}`);
      if (st.code === 'STATE') {
        const to = others(rng.range(1, 3));
        to.forEach((o, k) =>
          lines.push(
            `${k === 0 ? 'TO ' : ''}${o.plad} ${precWord}${rng.chance(0.5) ? ' ' + this.nextMcn(st.code, o.code) : ''}`,
          ),
        );
      } else {
        lines.push(
          `TO SECSTATE WASHDC ${precWord === 'ROUTINE' ? '' : precWord + ' '}${this.nextMcn(st.code, 'STATE')}`,
        );
      }
      const info = others(rng.range(0, 8));
      info.forEach((o, k) => lines.push(`${k === 0 ? 'INFO ' : ''}${o.plad}`));
      if (rng.chance(0.2))
        lines.push(
          `${k0(info) ? 'INFO ' : ''}${rng.pick(['USCINCSO', 'CINCLANT', 'SECDEF', 'USCINCEUR', 'CINCPAC'])}`,
        );
      return lines.join('\n');
    }
    const channel = rng.pick(['XRO', 'XRO', 'XYZ', 'XRX', 'XYZ']);
    lines.push(
      `VZCZC${channel}${channel === 'XYZ' && rng.chance(0.6) ? '0000' : pad(rng.int(10000), 4)}`,
    );
    const relays = rng.chance(0.5) ? [] : others(rng.range(1, 8)).map((o) => o.ri);
    if (relays.length === 0) relays.push('RUEHWEB');
    lines.push(`${prec}${prec} ${relays.join(' ')}`);
    const doy =
      Math.floor(
        (Date.UTC(ctx.year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(ctx.year, 0, 1)) / 86400000,
      ) + 1;
    lines.push(
      `DE ${st.ri} #${pad(serial % 10000, 4)}${sections > 1 ? '/01' : ''} ${pad(doy, 3)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}`,
    );
    lines.push(level === 'U' ? 'ZNR UUUUU ZZH' : level === 'S' ? 'ZNY SSSSS ZZH' : 'ZNY CCCCC ZZH');
    lines.push(`${prec} ${dtg}`);
    lines.push(`FM ${fromPlad}`);
    if (st.code === 'STATE') {
      const to = others(rng.range(1, 5));
      if (to.length === 0) to.push(this.byCode.get('LONDON')!);
      to.forEach((o, k) =>
        lines.push(
          `${k === 0 ? 'TO ' : ''}${o.ri}/${o.plad} ${precWord} ${this.nextMcn(st.code, o.code)}`,
        ),
      );
      if (rng.chance(0.4))
        lines.push(rng.pick(COLLECTIVES[rng.pick(STATIONS).region]) + ` ${precWord}`);
    } else {
      lines.push(`TO RUEHC/SECSTATE WASHDC ${precWord} ${this.nextMcn(st.code, 'STATE')}`);
    }
    const info = others(rng.range(0, 10));
    const infoLines: string[] = [];
    if (rng.chance(0.4))
      infoLines.push(
        `${rng.pick(COLLECTIVES[st.region])} ${rng.chance(0.5) ? 'PRIORITY' : 'ROUTINE'}`,
      );
    for (const o of info)
      infoLines.push(
        `${o.ri}/${o.plad} ${rng.chance(0.6) ? 'PRIORITY' : 'ROUTINE'} ${this.nextMcn(st.code, o.code)}`,
      );
    if (rng.chance(0.35)) {
      const nAg = rng.range(1, 4);
      for (let k = 0; k < nAg; k++)
        infoLines.push(`${rng.pick(AGENCIES)} ${rng.chance(0.5) ? 'PRIORITY' : 'ROUTINE'}`);
    }
    infoLines.forEach((l, k) => lines.push(k === 0 ? `INFO ${l}` : l));
    if (rng.chance(0.1) && infoLines.length) lines.push(`XMT ${rng.pick(STATIONS).plad}`);
    return lines.join('\n');
  }
}

function k0(a: unknown[]): boolean {
  return a.length === 0;
}

interface Ctx {
  station: Station;
  year: number;
  month: number;
  level: string;
  portion: string;
  modern: boolean;
  redact: boolean;
  doubleSpace: boolean;
  ambassador: string;
}

const CITY_MENTIONS = STATIONS.filter(
  (s) =>
    s.code !== 'STATE' &&
    !s.code.startsWith('US') &&
    !s.code.startsWith('UN') &&
    s.code !== 'IRANRPODUBAI' &&
    s.code !== 'AITTAIPEI',
).map((s) => titleCase(s.banner));

function capitalize(s: string): string {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}

function hashInt(s: string, n: number): number {
  let h = 2166136261 ^ n;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Wrap `text` at `width` columns into `out`, each line ending with one space like the dump. */
function wrap(text: string, width: number, out: string[]): void {
  let s = text;
  while (s.length > width) {
    let cut = s.lastIndexOf(' ', width);
    if (cut <= 0) cut = s.indexOf(' ', width);
    if (cut <= 0) break;
    out.push(s.slice(0, cut) + ' ');
    s = s.slice(cut + 1);
    while (s.charCodeAt(0) === 32) s = s.slice(1);
  }
  out.push(s + ' ');
}

function bannerLine(
  level: string,
  ctx: Ctx,
  st: Station,
  serial: number,
  sections: number,
  rng: Rng,
): string {
  const word =
    level === 'S'
      ? ctx.modern && rng.chance(0.9)
        ? 'S E C R E T'
        : 'SECRET'
      : level === 'C'
        ? ctx.modern && rng.chance(0.85)
          ? 'C O N F I D E N T I A L'
          : 'CONFIDENTIAL'
        : ctx.modern
          ? 'UNCLAS'
          : 'UNCLASSIFIED';
  const sec =
    sections > 1 || (ctx.modern && rng.chance(0.05)) ? ` SECTION 01 OF ${pad(sections, 2)}` : '';
  const num = ctx.modern ? pad(serial, 6) : String(serial);
  return `${word}${sec} ${st.banner} ${num} `;
}

function eoLine(ctx: Ctx, d: Date, rng: Rng): string {
  const y = ctx.year;
  if (y < 1972)
    return (
      'E.O. 12958: DECL: DECLASSIFIED BY NARA ' +
      `${pad(rng.range(1, 12), 2)}/${pad(rng.range(1, 28), 2)}/2009 `
    );
  if (y < 1978)
    return rng.chance(0.5)
      ? 'E.O. 11652: GDS '
      : 'E.O. 12958: AS AMENDED; DECLASSIFIED JUNE 21, 2006 ';
  if (y < 1982)
    return `E.O. 12065: GDS ${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${pad((y + 6) % 100, 2)} `;
  if (y < 1995) return ctx.level === 'U' ? 'E.O. 12356: N/A ' : 'E.O. 12356: DECL: OADR ';
  if (ctx.level === 'U') return 'E.O. 12958: N/A ';
  const years = rng.chance(0.75) ? 10 : rng.pick([5, 15, 20, 25]);
  const decl = `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${y + years}`;
  const style = rng.float();
  if (style < 0.85) return `E.O. 12958: DECL: ${decl} `;
  if (style < 0.95) return `EO 12958 DECL: ${decl} `;
  return `E.O. 12958: DECL: ${y + years}/${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)} `;
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Yield `count` cables.csv rows (each ending with a newline) for `seed`. */
export function* generateCables(opts: GenerateOptions): Generator<string> {
  const { count, seed } = opts;
  const factory = new CableFactory(count, seed);
  const cont = opts.lineContinuations ?? false;
  for (let i = 0; i < count; i++) yield factory.row(i, cont);
}

/** Write a generated corpus to `path`; resolves with the row count and byte size. */
export async function writeGeneratedCsv(
  path: string,
  opts: WriteOptions,
): Promise<{ rows: number; bytes: number }> {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let rows = 0;
  let pending: string[] = [];
  let pendingLen = 0;
  const flush = (): void => {
    if (!pending.length) return;
    const buf = Buffer.from(pending.join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    bytes += buf.length;
    pending = [];
    pendingLen = 0;
  };
  try {
    for (const row of generateCables(opts)) {
      pending.push(row);
      pendingLen += row.length;
      rows++;
      if (pendingLen >= 4 << 20) flush();
      if (opts.onProgress && rows % 10000 === 0) opts.onProgress(rows, bytes + pendingLen);
    }
    flush();
  } finally {
    closeSync(fd);
  }
  opts.onProgress?.(rows, bytes);
  return { rows, bytes };
}

/**
 * `npm run generate -- --count N [--seed S] --out FILE.csv`: writes the corpus the benchmarks and
 * tests use (same count and seed give the same bytes).
 */
async function main(argv: string[]): Promise<number> {
  const { parseArgs } = await import('node:util');
  const usage = 'usage: npm run generate -- --count N [--seed S] --out FILE.csv';
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        count: { type: 'string' },
        seed: { type: 'string', default: '1' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000) {
    console.error(`--count must be a whole number from 1 to 10,000,000\n${usage}`);
    return 2;
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) {
    console.error(`--seed must be a whole number from 0 to ${2 ** 32 - 1}\n${usage}`);
    return 2;
  }
  if (!values.out) {
    console.error(`--out FILE.csv is required\n${usage}`);
    return 2;
  }
  const t0 = performance.now();
  const { rows, bytes } = await writeGeneratedCsv(values.out, {
    count,
    seed,
    onProgress: (r) =>
      process.stderr.isTTY && process.stderr.write(`\r${r.toLocaleString('en-US')} rows`),
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(
    `Wrote ${rows} cables (${(bytes / 1048576).toFixed(1)} MB) to ${values.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
  );
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1])
  process.exitCode = await main(process.argv.slice(2));
