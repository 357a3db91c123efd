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

  it('decides no permission in bot/teams/: who may do what is asked of the use cases and rules', () => {
    // A permission in the edge reads a rule's role check, or compares the person with someone stored.
    const permissionRule = /\b(holdsRole|rolesOf|standingOf|facilitates|may[A-Z]\w*|cannot[A-Z]\w*|WAIVER_ROLES|OPENER_ROLES)\b/;
    const offenders: string[] = [];
    for (const path of sources(join(ROOT, 'bot', 'teams'))) {
      const text = readFileSync(path, 'utf8');
      for (const imported of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'\.\.\/[a-z]+\/rules'/g)) {
        for (const name of imported[1]!.split(',').map((n) => n.trim())) if (permissionRule.test(name)) offenders.push(`${relative(ROOT, path)} imports ${name}`);
      }
      if (/actor\.aadObjectId\s*[!=]==|[!=]==\s*turn\.actor\.aadObjectId/.test(text)) offenders.push(`${relative(ROOT, path)} compares the actor itself`);
    }
    assert.deepEqual(offenders, []);
  });
});
