import { strict as assert } from 'node:assert';
import { acknowledgedOver, burnDown } from '../../bot/tab/board';

describe('the numbers behind the tab pictures', () => {
  it('counts acknowledgements at each moment one came in, in time order', () => {
    assert.deepEqual(acknowledgedOver(['2026-12-02T10:05:00Z', '2026-12-02T09:00:00Z', '2026-12-02T11:30:00Z']), [
      { at: '2026-12-02T09:00:00Z', acknowledged: 1 },
      { at: '2026-12-02T10:05:00Z', acknowledged: 2 },
      { at: '2026-12-02T11:30:00Z', acknowledged: 3 },
    ]);
    assert.deepEqual(acknowledgedOver([]), []);
  });

  it('thins a long run of acknowledgements to evenly spaced points, ending on the total', () => {
    const times = Array.from({ length: 100 }, (_, i) => new Date(Date.UTC(2026, 11, 2, 9, i)).toISOString());
    const points = acknowledgedOver(times, 10);
    assert.equal(points.length, 10);
    assert.deepEqual(
      points.map((p) => p.acknowledged),
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    );
  });

  it('burns down open action items day by day, an item closed on a day no longer open at its end', () => {
    const actions = [
      { createdAt: '2026-11-28T10:00:00Z' },
      { createdAt: '2026-11-28T11:00:00Z', closedAt: '2026-11-30T09:00:00Z' },
      { createdAt: '2026-11-29T12:00:00Z', closedAt: '2026-12-01T16:00:00Z' },
    ];
    assert.deepEqual(burnDown(actions, '2026-12-02'), [
      { day: '2026-11-28', open: 2 },
      { day: '2026-11-29', open: 3 },
      { day: '2026-11-30', open: 2 },
      { day: '2026-12-01', open: 1 },
      { day: '2026-12-02', open: 1 },
    ]);
    assert.deepEqual(burnDown([], '2026-12-02'), []);
  });

  it('keeps the burn-down to its last days when the first item is older', () => {
    const points = burnDown([{ createdAt: '2026-01-01T00:00:00Z' }], '2026-12-02', 7);
    assert.deepEqual(
      points.map((p) => p.day),
      ['2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02'],
    );
  });
});
