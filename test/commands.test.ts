import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMMANDS } from '../cards/render';
import { everyRoute } from './support/routes';

/** Building the route tables calls no handler, so none is needed to learn the command names. */
const routes = everyRoute();
const routed = Object.keys(routes.commands).sort();

/** The part of the Teams manifest JSON schema that caps a bot's commands per scope. */
interface ManifestSchema {
  properties: { bots: { items: { properties: { commandLists: { items: { properties: { commands: { maxItems: number } } } } } } } };
}

describe('the commands a person can type', () => {
  it('are all on the help card, and the help card names no command Liftoff does not answer', () => {
    const onHelp = COMMANDS.map((c) => c.usage.split(' ')[0]!).sort();
    assert.deepEqual(onHelp, routed);
  });

  it('are all in the README commands, so a reader finds each one', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const command of routed) assert.match(readme, new RegExp('\\| `' + command + '[ `]'), `README lists ${command}`);
  });

  it("fill the manifest command lists up to the per-scope limit of the manifest's schema, each one answered", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'manifest', 'manifest.json'), 'utf8')) as {
      manifestVersion: string;
      bots: Array<{ commandLists: Array<{ scopes: string[]; commands: Array<{ title: string }> }> }>;
    };
    // The limit is the schema's own (12 per scope from manifest 1.24), read from the schema the package validates against.
    const schemaFile = join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams', `v${manifest.manifestVersion}`, 'MicrosoftTeams.schema.json');
    const limit = (JSON.parse(readFileSync(schemaFile, 'utf8')) as ManifestSchema).properties.bots.items.properties.commandLists.items.properties.commands.maxItems;
    assert.equal(limit, 12);
    for (const list of manifest.bots[0]!.commandLists) {
      assert.equal(list.commands.length, Math.min(limit, routed.length), `${list.scopes.join(',')}: ${list.commands.length} commands fill the list`);
      for (const { title } of list.commands) assert.ok(routed.includes(title), `manifest command ${title} is routed`);
    }
  });
});
