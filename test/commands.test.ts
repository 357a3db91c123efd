import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../cards/render';
import type { BroadcastHandlers } from '../bot/teams/broadcastHandlers';
import { broadcastRoutes } from '../bot/teams/broadcastRoutes';
import type { ReleaseHandlers } from '../bot/teams/handlers';
import type { RetroHandlers } from '../bot/teams/retroHandlers';
import { retroRoutes } from '../bot/teams/retroRoutes';
import { releaseRoutes } from '../bot/teams/routes';
import { mergeRoutes } from '../bot/teams/router';
import type { SignoffHandlers } from '../bot/teams/signoffHandlers';
import { signoffRoutes } from '../bot/teams/signoffRoutes';

/** Building the route tables calls no handler, so none is needed to learn the command names. */
const routes = mergeRoutes(
  releaseRoutes({} as ReleaseHandlers),
  signoffRoutes({} as SignoffHandlers),
  retroRoutes({} as RetroHandlers),
  broadcastRoutes({} as BroadcastHandlers),
);
const routed = Object.keys(routes.commands).sort();

describe('the commands a person can type', () => {
  it('are all on the help card, and the help card names no command Liftoff does not answer', () => {
    const onHelp = COMMANDS.map((c) => c.usage.split(' ')[0]!).sort();
    assert.deepEqual(onHelp, routed);
  });

  it('are all in the README commands, so a reader finds each one', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const command of routed) assert.match(readme, new RegExp('\\| `' + command + '[ `]'), `README lists ${command}`);
  });

  it('fill the manifest command lists with at most Teams\' ten per scope, each one answered', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'manifest', 'manifest.json'), 'utf8')) as {
      bots: Array<{ commandLists: Array<{ scopes: string[]; commands: Array<{ title: string }> }> }>;
    };
    for (const list of manifest.bots[0]!.commandLists) {
      assert.ok(list.commands.length <= 10, `${list.scopes.join(',')}: ${list.commands.length} commands`);
      for (const { title } of list.commands) assert.ok(routed.includes(title), `manifest command ${title} is routed`);
    }
  });
});
