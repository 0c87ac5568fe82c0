import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  TIERS,
  divRoundHalfAwayFromZero,
  formatMoney,
  invoiceTotals,
  tierById,
  tierForStaff,
} from '../../src/licensing/pricing.ts';

describe('tierForStaff', () => {
  it('places every band boundary in the right tier', () => {
    const cases: Array<[number, string, number | null, number | null]> = [
      [1, 'small', 42_000, 19],
      [19, 'small', 42_000, 19],
      [20, 'team', 84_000, 99],
      [99, 'team', 84_000, 99],
      [100, 'department', 126_000, 499],
      [499, 'department', 126_000, 499],
      [500, 'organisation', 189_000, 1_499],
      [1_499, 'organisation', 189_000, 1_499],
      [1_500, 'enterprise', 294_000, 4_000],
      [4_000, 'enterprise', 294_000, 4_000],
      [4_001, 'negotiated', null, null],
      [1_000_000, 'negotiated', null, null],
    ];
    for (const [staff, id, price, seats] of cases) {
      const t = tierForStaff(staff);
      assert.equal(t.id, id, String(staff));
      assert.equal(t.annualPriceCents, price);
      assert.equal(t.seatLimit, seats);
    }
  });

  it('rejects counts that are not whole numbers of at least one', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => tierForStaff(n), RangeError, String(n));
    }
  });

  it('has contiguous bands with increasing prices and seat limits covering the band', () => {
    for (let i = 1; i < TIERS.length; i++) {
      const prev = TIERS[i - 1];
      const t = TIERS[i];
      assert.equal(t.minStaff, (prev.maxStaff ?? Number.NaN) + 1);
      if (t.annualPriceCents !== null) assert.ok(t.annualPriceCents > (prev.annualPriceCents ?? 0));
    }
    for (const t of TIERS) {
      if (t.seatLimit !== null) assert.equal(t.seatLimit, t.maxStaff);
    }
    assert.equal(TIERS[TIERS.length - 1].maxStaff, null);
    assert.equal(tierById('team')?.label, '20–99 staff');
    assert.equal(tierById('nope'), null);
  });

  it('puts every staff count in exactly the tier whose band contains it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (n) => {
        const t = tierForStaff(n);
        assert.ok(n >= t.minStaff && (t.maxStaff === null || n <= t.maxStaff));
      }),
    );
  });
});

describe('formatMoney', () => {
  it('formats cents exactly', () => {
    assert.equal(formatMoney(42_000, 'USD'), '$420.00');
    assert.equal(formatMoney(294_000, 'USD'), '$2,940.00');
    assert.equal(formatMoney(1, 'USD'), '$0.01');
    assert.equal(formatMoney(0, 'USD'), '$0.00');
    assert.equal(formatMoney(-1_234, 'USD'), '-$12.34');
    assert.equal(formatMoney(Number.MAX_SAFE_INTEGER, 'USD'), '$90,071,992,547,409.91');
    assert.equal(formatMoney(123, 'usd'), '$1.23');
  });

  it('respects each currency’s minor units and the locale', () => {
    assert.equal(formatMoney(420, 'JPY'), '¥420');
    assert.equal(formatMoney(1_234, 'KWD'), 'KWD\u00a01.234');
    assert.equal(formatMoney(42_000, 'NZD'), 'NZ$420.00');
    assert.equal(formatMoney(42_000, 'EUR', 'de-DE'), '420,00\u00a0€');
  });

  it('rejects fractional cents and bad currency codes', () => {
    assert.throws(() => formatMoney(1.5, 'USD'), RangeError);
    assert.throws(() => formatMoney(Number.NaN, 'USD'), RangeError);
    assert.throws(() => formatMoney(100, 'US'), RangeError);
    assert.throws(() => formatMoney(100, 'ZZZZ'), RangeError);
  });
});

describe('divRoundHalfAwayFromZero', () => {
  it('rounds halves away from zero in both directions', () => {
    assert.equal(divRoundHalfAwayFromZero(5n, 2n), 3n);
    assert.equal(divRoundHalfAwayFromZero(-5n, 2n), -3n);
    assert.equal(divRoundHalfAwayFromZero(4n, 3n), 1n);
    assert.equal(divRoundHalfAwayFromZero(5n, 3n), 2n);
    assert.equal(divRoundHalfAwayFromZero(-4n, 3n), -1n);
    assert.equal(divRoundHalfAwayFromZero(-5n, 3n), -2n);
    assert.equal(divRoundHalfAwayFromZero(0n, 7n), 0n);
    assert.throws(() => divRoundHalfAwayFromZero(1n, 0n), RangeError);
  });
});

describe('invoiceTotals', () => {
  it('adds lines and tax on the subtotal', () => {
    const inv = invoiceTotals(
      [
        { description: 'Annual licence, 20–99 staff', quantity: 1, unitPriceCents: 84_000 },
        { description: 'Extra seats', quantity: 3, unitPriceCents: 1_999 },
      ],
      15,
    );
    assert.deepEqual(
      inv.lines.map((l) => l.amountCents),
      [84_000, 5_997],
    );
    assert.equal(inv.subtotalCents, 89_997);
    assert.equal(inv.taxCents, 13_500); // 13,499.55 → 13,500
    assert.equal(inv.totalCents, 103_497);
    assert.equal(inv.taxRatePercent, 15);
  });

  it('rounds tax half away from zero, once, on the total', () => {
    // 10% of 5 cents = 0.5 → 1
    assert.equal(
      invoiceTotals([{ description: 'x', quantity: 1, unitPriceCents: 5 }], 10).taxCents,
      1,
    );
    // 10% of 4 cents = 0.4 → 0
    assert.equal(
      invoiceTotals([{ description: 'x', quantity: 1, unitPriceCents: 4 }], 10).taxCents,
      0,
    );
    // Per-line rounding would give 0 + 0 + 0 = 0; on the total 1.2 → 1.
    const three = invoiceTotals(
      [
        { description: 'a', quantity: 1, unitPriceCents: 4 },
        { description: 'b', quantity: 1, unitPriceCents: 4 },
        { description: 'c', quantity: 1, unitPriceCents: 4 },
      ],
      10,
    );
    assert.equal(three.taxCents, 1);
    // A credit: -0.5 → -1.
    const credit = invoiceTotals([{ description: 'refund', quantity: 1, unitPriceCents: -5 }], 10);
    assert.equal(credit.taxCents, -1);
    assert.equal(credit.totalCents, -6);
  });

  it('uses the decimal rate as written, not its binary approximation', () => {
    // 8.875% of 40,000 = 3,550 exactly; 8.875% of 200 = 17.75 → 18.
    assert.equal(
      invoiceTotals([{ description: 'x', quantity: 1, unitPriceCents: 40_000 }], 8.875).taxCents,
      3_550,
    );
    assert.equal(
      invoiceTotals([{ description: 'x', quantity: 1, unitPriceCents: 200 }], 8.875).taxCents,
      18,
    );
    // 0.1 + 0.2 style traps: 1.15% of 1,000 = 11.5 → 12 (float gives 11.499999…).
    assert.equal(
      invoiceTotals([{ description: 'x', quantity: 1, unitPriceCents: 1_000 }], 1.15).taxCents,
      12,
    );
    // Tiny rates written in exponent form.
    assert.equal(
      invoiceTotals([{ description: 'x', quantity: 1, unitPriceCents: 10_000_000 }], 1e-7).taxCents,
      0,
    );
  });

  it('handles discounts, zero tax and empty invoices', () => {
    const inv = invoiceTotals(
      [
        { description: 'Licence', quantity: 1, unitPriceCents: 42_000 },
        { description: 'Charity discount', quantity: 1, unitPriceCents: -21_000 },
      ],
      0,
    );
    assert.deepEqual([inv.subtotalCents, inv.taxCents, inv.totalCents], [21_000, 0, 21_000]);
    const empty = invoiceTotals([], 20);
    assert.deepEqual([empty.subtotalCents, empty.taxCents, empty.totalCents], [0, 0, 0]);
  });

  it('validates its input', () => {
    const line = { description: 'x', quantity: 1, unitPriceCents: 100 };
    assert.throws(() => invoiceTotals([line], -1), RangeError);
    assert.throws(() => invoiceTotals([line], 101), RangeError);
    assert.throws(() => invoiceTotals([line], Number.NaN), RangeError);
    assert.throws(() => invoiceTotals([{ ...line, quantity: 1.5 }], 10), /line 1: quantity/);
    assert.throws(() => invoiceTotals([{ ...line, quantity: -1 }], 10), /quantity/);
    assert.throws(
      () => invoiceTotals([{ ...line, unitPriceCents: 9.99 }], 10),
      /line 1: unit price/,
    );
    assert.throws(
      () => invoiceTotals([{ ...line, quantity: 2 ** 30, unitPriceCents: 2 ** 30 }], 10),
      /too large/,
    );
  });

  it('always has total = subtotal + tax and tax within half a cent of exact', () => {
    const line = fc.record({
      description: fc.constant('x'),
      quantity: fc.integer({ min: 0, max: 1_000 }),
      unitPriceCents: fc.integer({ min: -1_000_000, max: 1_000_000 }),
    });
    const rate = fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1_000);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), rate, (lines, r) => {
        const inv = invoiceTotals(lines, r);
        const subtotal = lines.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
        assert.equal(inv.subtotalCents, subtotal);
        assert.equal(inv.totalCents, inv.subtotalCents + inv.taxCents);
        // Exact tax in thousandths of a cent: subtotal × (r × 1000) / 100.
        const exactMilli = subtotal * Math.round(r * 1_000); // safe: < 2^53
        const diff = Math.abs(inv.taxCents * 100_000 - exactMilli);
        assert.ok(diff <= 50_000, `${inv.taxCents} vs ${exactMilli / 100_000}`);
        if (diff === 50_000) assert.ok(Math.abs(inv.taxCents * 100_000) > Math.abs(exactMilli));
      }),
      { numRuns: 1_000 },
    );
  });
});
