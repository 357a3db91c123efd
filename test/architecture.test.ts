import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('the shape of the code', () => {
  it('imports the Bot Framework SDK only in bot/teams/, so its successor is a swap of that one folder', () => {
    const offenders = [...sources(join(ROOT, 'bot')), ...sources(join(ROOT, 'cards'))]
      .map((path) => relative(ROOT, path))
      .filter((path) => !path.startsWith(join('bot', 'teams')))
      .filter((path) => /from '(botbuilder|botframework-)[^']*'|require\('(botbuilder|botframework-)/.test(readFileSync(join(ROOT, path), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
