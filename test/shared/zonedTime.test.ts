import { strict as assert } from 'node:assert';
import { canonicalTimeZone, parseLocal, readInZone, TIME_ZONES } from '../../bot/shared/zonedTime';

const wall = (date: string, time: string): number => {
  const local = parseLocal(date, time);
  assert.ok(local.ok);
  return local.wall;
};

describe('wall-clock times in a time zone', () => {
  it('finds the instant of an ordinary time, in winter and in summer', () => {
    assert.deepEqual(readInZone(wall('2026-11-25', '17:00'), 'Europe/Paris'), { kind: 'exists', at: Date.parse('2026-11-25T16:00:00Z') });
    assert.deepEqual(readInZone(wall('2026-07-01', '17:00'), 'Europe/Paris'), { kind: 'exists', at: Date.parse('2026-07-01T15:00:00Z') });
  });

  it('takes the first of a time the clocks pass twice', () => {
    // Paris goes back from 03:00 to 02:00 on 2026-10-25: 02:30 happens at 00:30Z and again at 01:30Z.
    assert.deepEqual(readInZone(wall('2026-10-25', '02:30'), 'Europe/Paris'), { kind: 'exists', at: Date.parse('2026-10-25T00:30:00Z') });
  });

  it('says when the clocks skip a time, with the instant an hour later', () => {
    assert.deepEqual(readInZone(wall('2026-03-29', '02:30'), 'Europe/Paris'), { kind: 'skipped', after: Date.parse('2026-03-29T01:30:00Z') });
  });

  it('tells what is wrong with a typed date or time', () => {
    assert.deepEqual(parseLocal('tomorrow', '10:00'), { ok: false, problem: 'date' });
    assert.deepEqual(parseLocal('2026-02-10', 'noon'), { ok: false, problem: 'time' });
    assert.deepEqual(parseLocal('2026-02-30', '10:00'), { ok: false, problem: 'unreal' });
  });

  it('knows every zone it offers, and no made-up one', () => {
    for (const zone of TIME_ZONES) assert.ok(canonicalTimeZone(zone), zone);
    assert.equal(canonicalTimeZone('Mars/Olympus'), undefined);
  });
});
