import { strict as assert } from 'node:assert';
import { createLogger } from '../../bot/log';
import { BackgroundWork } from '../../bot/shared/background';
import { forEachLimited, FreshReads, LatestWins, SingleFlight } from '../../bot/shared/coalesce';

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('coalescing helpers', () => {
  describe('FreshReads', () => {
    it('gives every caller a read that started after its call, sharing reads between callers', async () => {
      let version = 0;
      const started: number[] = [];
      const reads = new FreshReads(async () => {
        started.push(version);
        const seen = version;
        await tick(10);
        return seen;
      });
      const results: Array<Promise<number>> = [];
      for (let i = 1; i <= 30; i += 1) {
        version = i; // a write this caller made just before reading
        results.push(reads.read('cycle'));
        await tick(1);
      }
      const values = await Promise.all(results);
      values.forEach((value, i) => assert.ok(value >= i + 1, `caller ${i + 1} saw version ${value}, not older than its own write`));
      assert.ok(started.length < 15, `${started.length} reads served 30 callers`);
    });

    it('keeps keys apart and forgets a key once its reads are done', async () => {
      const reads = new FreshReads(async (key) => key.toUpperCase());
      assert.deepEqual(await Promise.all([reads.read('a'), reads.read('b'), reads.read('a')]), ['A', 'B', 'A']);
      assert.equal((reads as unknown as { entries: Map<string, unknown> }).entries.size, 0);
    });

    it('passes a failed read to its callers, and reads again for the next', async () => {
      let fail = true;
      const reads = new FreshReads(async () => {
        if (fail) throw new Error('store unavailable');
        return 'ok';
      });
      await assert.rejects(reads.read('k'), /store unavailable/);
      fail = false;
      assert.equal(await reads.read('k'), 'ok');
    });
  });

  it('SingleFlight joins callers to the run in progress', async () => {
    let runs = 0;
    const flight = new SingleFlight<number>();
    const work = async () => {
      runs += 1;
      await tick();
      return runs;
    };
    assert.deepEqual(await Promise.all([flight.run('k', work), flight.run('k', work), flight.run('k', work)]), [1, 1, 1]);
    assert.equal(await flight.run('k', work), 2);
  });

  describe('LatestWins', () => {
    it('folds requests arriving during a run into one more run, which starts after the last request', async () => {
      const background = new BackgroundWork(createLogger('silent'));
      const latest = new LatestWins(background, createLogger('silent'), 0);
      let state = 0;
      const drawn: number[] = [];
      const draw = async () => {
        const seen = state;
        await tick(10);
        drawn.push(seen);
      };
      for (let i = 1; i <= 20; i += 1) {
        state = i;
        latest.request('card', 'test.draw', {}, draw);
        await tick(1);
      }
      await background.drain();
      assert.ok(drawn.length <= 5, `${drawn.length} runs for 20 requests`);
      assert.equal(drawn[drawn.length - 1], 20, 'the last run drew the latest state');
    });

    it('keeps going after a failed run and logs it', async () => {
      const background = new BackgroundWork(createLogger('silent'));
      const latest = new LatestWins(background, createLogger('silent'), 0);
      let calls = 0;
      latest.request('card', 'test.fail', {}, async () => {
        calls += 1;
        await tick();
        throw new Error('Teams said no');
      });
      latest.request('card', 'test.fail', {}, async () => {
        calls += 1;
      });
      await background.drain();
      assert.equal(calls, 2);
    });
  });

  it('forEachLimited runs at most N at a time and covers every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick(2);
      seen.push(n);
      running -= 1;
    });
    assert.equal(peak, 3);
    assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
  });
});
