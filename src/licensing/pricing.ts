/**
 * Licence pricing: annual price by staff band, seat limits, money formatting
 * and invoice arithmetic. All amounts are integers in minor units (cents).
 *
 * Invoice rounding: line amounts are exact (quantity × unit price, both
 * integers). Tax is computed once, on the invoice subtotal, and rounded half
 * away from zero to a whole cent; the total is subtotal + tax. Computing tax
 * once avoids per-line rounding drift, so the tax shown always equals the
 * rate applied to the subtotal shown. The rate is taken as the exact decimal
 * it is written as (8.875 means 8.875/100), not its binary approximation.
 */

export type TierId = 'small' | 'team' | 'department' | 'organisation' | 'enterprise' | 'negotiated';

export interface Tier {
  readonly id: TierId;
  readonly label: string;
  /** Staff band, inclusive. `maxStaff` is null for the open-ended top band. */
  readonly minStaff: number;
  readonly maxStaff: number | null;
  /** Annual price in US cents; null means by negotiation. */
  readonly annualPriceCents: number | null;
  /** Seats (invited members) included; null means set by negotiation. */
  readonly seatLimit: number | null;
}

export const LICENCE_CURRENCY = 'USD';

export const TIERS: readonly Tier[] = Object.freeze(
  (
    [
      {
        id: 'small',
        label: '1–19 staff',
        minStaff: 1,
        maxStaff: 19,
        annualPriceCents: 42_000,
        seatLimit: 19,
      },
      {
        id: 'team',
        label: '20–99 staff',
        minStaff: 20,
        maxStaff: 99,
        annualPriceCents: 84_000,
        seatLimit: 99,
      },
      {
        id: 'department',
        label: '100–499 staff',
        minStaff: 100,
        maxStaff: 499,
        annualPriceCents: 126_000,
        seatLimit: 499,
      },
      {
        id: 'organisation',
        label: '500–1,499 staff',
        minStaff: 500,
        maxStaff: 1_499,
        annualPriceCents: 189_000,
        seatLimit: 1_499,
      },
      {
        id: 'enterprise',
        label: '1,500–4,000 staff',
        minStaff: 1_500,
        maxStaff: 4_000,
        annualPriceCents: 294_000,
        seatLimit: 4_000,
      },
      {
        id: 'negotiated',
        label: 'More than 4,000 staff',
        minStaff: 4_001,
        maxStaff: null,
        annualPriceCents: null,
        seatLimit: null,
      },
    ] satisfies Tier[]
  ).map((t) => Object.freeze(t)),
);

/** The tier for an organisation's staff count (a whole number ≥ 1). */
export function tierForStaff(staff: number): Tier {
  if (!Number.isSafeInteger(staff) || staff < 1) {
    throw new RangeError(`staff count must be a whole number of at least 1, got ${staff}`);
  }
  for (const t of TIERS) {
    if (t.maxStaff === null || staff <= t.maxStaff) return t;
  }
  /* c8 ignore next */
  throw new Error('unreachable: the last tier is open-ended');
}

export function tierById(id: string): Tier | null {
  return TIERS.find((t) => t.id === id) ?? null;
}

/** Number of decimal places a currency uses (USD 2, JPY 0, KWD 3). */
export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits!;
}

/**
 * Formats an amount in minor units, e.g. formatMoney(42000, 'USD') → "$420.00".
 * Exact for any safe integer (no floating-point division). Throws a RangeError
 * for a non-integer amount or an unknown currency code.
 */
export function formatMoney(cents: number, currency: string, locale = 'en-US'): string {
  if (!Number.isSafeInteger(cents)) {
    throw new RangeError(`amount must be a whole number of minor units, got ${cents}`);
  }
  if (!/^[A-Za-z]{3}$/.test(currency)) {
    throw new RangeError(`currency must be a three-letter ISO 4217 code, got "${currency}"`);
  }
  const code = currency.toUpperCase();
  const digits = currencyDigits(code);
  const negative = cents < 0;
  const abs = String(Math.abs(cents)).padStart(digits + 1, '0');
  const decimal =
    digits === 0 ? abs : `${abs.slice(0, abs.length - digits)}.${abs.slice(abs.length - digits)}`;
  const fmt = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: code,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return fmt.format(`${negative ? '-' : ''}${decimal}` as `${number}`);
}

export interface InvoiceLine {
  readonly description: string;
  /** Whole units, ≥ 0. */
  readonly quantity: number;
  /** Price per unit in minor units; negative for discounts and credits. */
  readonly unitPriceCents: number;
}

export interface InvoiceTotals {
  readonly lines: ReadonlyArray<InvoiceLine & { readonly amountCents: number }>;
  readonly subtotalCents: number;
  readonly taxCents: number;
  readonly totalCents: number;
  readonly taxRatePercent: number;
}

/** Divides by a positive divisor, rounding half away from zero. */
export function divRoundHalfAwayFromZero(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const negative = n < 0n;
  const a = negative ? -n : n;
  const q = (a * 2n + d) / (d * 2n);
  return negative ? -q : q;
}

/** An exact rational for a finite decimal number: value = num / den. */
function decimalToRational(x: number): { num: bigint; den: bigint } {
  // Shortest round-trip text is the decimal the caller wrote (8.875 → "8.875").
  const text = x.toString();
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!m) throw new RangeError(`unsupported tax rate ${x}`);
  const frac = m[2] ?? '';
  let num = BigInt(m[1] + frac);
  let den = 10n ** BigInt(frac.length);
  const exp = m[3] ? Number(m[3]) : 0;
  if (exp > 0) num *= 10n ** BigInt(exp);
  else if (exp < 0) den *= 10n ** BigInt(-exp);
  return { num, den };
}

function toSafeNumber(v: bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} is too large`);
  return n;
}

export function invoiceTotals(
  lines: readonly InvoiceLine[],
  taxRatePercent: number,
): InvoiceTotals {
  if (!Number.isFinite(taxRatePercent) || taxRatePercent < 0 || taxRatePercent > 100) {
    throw new RangeError(`tax rate must be a percentage between 0 and 100, got ${taxRatePercent}`);
  }
  let subtotal = 0n;
  const out = lines.map((line, i) => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) {
      throw new RangeError(
        `line ${i + 1}: quantity must be a whole number ≥ 0, got ${line.quantity}`,
      );
    }
    if (!Number.isSafeInteger(line.unitPriceCents)) {
      throw new RangeError(
        `line ${i + 1}: unit price must be a whole number of cents, got ${line.unitPriceCents}`,
      );
    }
    const amount = BigInt(line.quantity) * BigInt(line.unitPriceCents);
    subtotal += amount;
    return { ...line, amountCents: toSafeNumber(amount, `line ${i + 1} amount`) };
  });
  const { num, den } = decimalToRational(taxRatePercent);
  const tax = divRoundHalfAwayFromZero(subtotal * num, den * 100n);
  return {
    lines: out,
    subtotalCents: toSafeNumber(subtotal, 'subtotal'),
    taxCents: toSafeNumber(tax, 'tax'),
    totalCents: toSafeNumber(subtotal + tax, 'total'),
    taxRatePercent,
  };
}
