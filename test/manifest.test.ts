import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { decodePng, readPngHeader } from '../scripts/icons';
import { DEFAULT_MANIFEST_DIR, PackageError, packageApp } from '../scripts/package';

const BOT_ID = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const BOT_DOMAIN = 'liftoff.example.com';
/** Teams shows at most 12 commands per scope (manifest 1.24+); remind-ack, which takes a notice id, is on the progress card's button. */
const COMMANDS = ['help', 'new', 'list', 'status', 'roles', 'history', 'uat', 'remind', 'notify', 'retro', 'retro-remind', 'actions'];
const SCOPES = ['personal', 'team', 'groupChat'];

interface Command {
  title: string;
  description: string;
}
interface Manifest {
  $schema: string;
  manifestVersion: string;
  supportsChannelFeatures?: string;
  id: string;
  name: { short: string; full: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  validDomains: string[];
  bots: Array<{
    botId: string;
    scopes: string[];
    supportsFiles: boolean;
    isNotificationOnly: boolean;
    commandLists: Array<{ scopes: string[]; commands: Command[] }>;
  }>;
}

/** Asserts the promise rejects with a PackageError and returns its message. */
async function packagingError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PackageError, `expected a PackageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('packaging succeeded but was expected to fail');
}

/** One line, one sentence: no line breaks, ends with a full stop. */
function assertOneSentence(message: string): void {
  assert.doesNotMatch(message, /\n/);
  assert.match(message, /\.$/);
  assert.doesNotMatch(message, /\bat .*\(.*:\d+:\d+\)/, 'looks like a stack trace');
}

describe('Teams app package (scripts/package.ts)', () => {
  let outDir: string;

  beforeEach(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'liftoff-manifest-'));
  });
  afterEach(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  describe('with BOT_ID and BOT_DOMAIN set', () => {
    let zipPath: string;
    let zip: JSZip;
    let text: string;
    let manifest: Manifest;

    beforeEach(async () => {
      zipPath = await packageApp({ BOT_ID, BOT_DOMAIN }, { outDir });
      zip = await JSZip.loadAsync(await readFile(zipPath));
      const entry = zip.file('manifest.json');
      assert.ok(entry, 'manifest.json is missing from the zip');
      text = await entry.async('string');
      manifest = JSON.parse(text) as Manifest;
    });

    it('writes liftoff.zip into the output folder', () => {
      assert.equal(zipPath, join(outDir, 'liftoff.zip'));
    });

    it('holds exactly manifest.json, color.png and outline.png at the zip root', () => {
      const names = Object.values(zip.files)
        .filter((f) => !f.dir)
        .map((f) => f.name)
        .sort();
      assert.deepEqual(names, ['color.png', 'manifest.json', 'outline.png']);
    });

    it('substitutes the app id, bot id and domain and leaves no placeholder', () => {
      assert.doesNotMatch(text, /\$\{\{/);
      assert.equal(manifest.id, BOT_ID);
      assert.equal(manifest.bots.length, 1);
      assert.equal(manifest.bots[0]?.botId, BOT_ID);
      assert.deepEqual(manifest.validDomains, [BOT_DOMAIN]);
    });

    it('offers the release board as a channel and group chat tab, and "My release work" as a personal tab, served from BOT_DOMAIN', () => {
      const tabs = manifest as unknown as {
        configurableTabs: Array<{ configurationUrl: string; scopes: string[] }>;
        staticTabs: Array<{ entityId: string; name?: string; contentUrl?: string; scopes: string[] }>;
      };
      assert.deepEqual(
        tabs.configurableTabs.map((t) => [t.configurationUrl, t.scopes]),
        [[`https://${BOT_DOMAIN}/tab/config`, ['team', 'groupChat']]],
      );
      const personal = tabs.staticTabs.find((t) => t.name === 'My release work');
      assert.equal(personal?.contentUrl, `https://${BOT_DOMAIN}/tab/mywork`);
      assert.ok(
        tabs.staticTabs.some((t) => t.entityId === 'conversations'),
        'the chat with the bot stays next to the personal tab',
      );
    });

    it('asks Teams for single sign-on to the tab: webApplicationInfo names the app and its Application ID URI on BOT_DOMAIN', () => {
      assert.deepEqual((manifest as unknown as { webApplicationInfo: unknown }).webApplicationInfo, { id: BOT_ID, resource: `api://${BOT_DOMAIN}/${BOT_ID}` });
    });

    it('is a v1.30 manifest with the expected names and descriptions', () => {
      assert.equal(manifest.manifestVersion, '1.30');
      assert.equal(manifest.$schema, 'https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json');
      assert.equal(manifest.name.short, 'Liftoff');
      assert.equal(manifest.name.full, 'Liftoff: release migrated workloads');
      assert.ok(manifest.description.short.length < 80);
      assert.ok(manifest.description.full.length < 4000);
      for (const topic of ['change communication', 'business testing', 'readiness', 'promotion', 'decommission', 'retrospective']) {
        assert.match(manifest.description.full.toLowerCase(), new RegExp(topic), `full description lacks "${topic}"`);
      }
      assert.deepEqual(manifest.icons, { color: 'color.png', outline: 'outline.png' });
    });

    it('offers the bot in personal, team and group chat scopes', () => {
      const bot = manifest.bots[0];
      assert.ok(bot);
      for (const scope of SCOPES) assert.ok(bot.scopes.includes(scope), `bot scopes lack ${scope}`);
      assert.equal(bot.supportsFiles, false);
      assert.equal(bot.isNotificationOnly, false);
    });

    it('declares the channel features that let it be added to shared and private channels', () => {
      assert.equal(manifest.supportsChannelFeatures, 'tier1');
    });

    it('lists the twelve main commands in every scope', () => {
      const lists = manifest.bots[0]?.commandLists ?? [];
      for (const scope of SCOPES) {
        const forScope = lists.filter((l) => l.scopes.includes(scope));
        assert.equal(forScope.length, 1, `expected one command list for ${scope}`);
        const commands = forScope[0]?.commands ?? [];
        assert.deepEqual(
          commands.map((c) => c.title),
          COMMANDS,
          `commands of ${scope}`,
        );
        for (const c of commands) {
          assert.ok(c.description.length > 0 && c.description.length <= 128, `description of ${c.title}`);
        }
      }
    });

    it('carries a 192x192 colour icon and a 32x32 white-on-transparent outline icon', async () => {
      const color = await zip.file('color.png')?.async('nodebuffer');
      const outline = await zip.file('outline.png')?.async('nodebuffer');
      assert.ok(color && outline);
      assert.deepEqual([readPngHeader(color).width, readPngHeader(color).height], [192, 192]);
      assert.deepEqual([readPngHeader(outline).width, readPngHeader(outline).height], [32, 32]);

      const pixels = decodePng(outline).data;
      let white = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
        if (a === 0) continue;
        assert.deepEqual([r, g, b, a], [255, 255, 255, 255], `outline pixel ${i / 4} is neither white nor transparent`);
        white++;
      }
      assert.ok(white > 50, 'outline icon is (almost) empty');
    });
  });

  describe('checking the manifest against its schema', () => {
    /** A copy of manifest/ whose manifest.json is changed by edit. */
    async function brokenCopy(edit: (manifest: Record<string, any>) => void): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'liftoff-broken-manifest-'));
      const manifest = JSON.parse(await readFile(join(DEFAULT_MANIFEST_DIR, 'manifest.json'), 'utf8')) as Record<string, any>;
      edit(manifest);
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
      for (const icon of ['color.png', 'outline.png']) await copyFile(join(DEFAULT_MANIFEST_DIR, icon), join(dir, icon));
      return dir;
    }
    let manifestDir: string | undefined;
    afterEach(async () => {
      if (manifestDir) await rm(manifestDir, { recursive: true, force: true });
      manifestDir = undefined;
    });

    it('packages the manifest as it is, which the bundled schema accepts', async () => {
      manifestDir = await brokenCopy(() => {});
      const zipPath = await packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir });
      assert.equal(zipPath, join(outDir, 'liftoff.zip'));
    });

    it('refuses a thirteenth command in a scope with one sentence naming the command list', async () => {
      manifestDir = await brokenCopy((m) => m.bots[0].commandLists[0].commands.push({ title: 'remind-ack', description: 'remind-ack <notice>' }));
      const message = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir }));
      assert.match(message, /schema 1\.30: bots\[0\]\.commandLists\[0\]\.commands must NOT have more than 12 items\.$/);
      assertOneSentence(message);
    });

    it('refuses an unknown channel feature tier, naming supportsChannelFeatures and the allowed value', async () => {
      manifestDir = await brokenCopy((m) => (m.supportsChannelFeatures = 'tier2'));
      const message = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir }));
      assert.match(message, /supportsChannelFeatures must be one of "tier1"/);
      assertOneSentence(message);
    });

    it('refuses a field the manifest version does not know, and a missing required one, naming each', async () => {
      manifestDir = await brokenCopy((m) => (m.bots[0].displayName = 'Liftoff'));
      const unknown = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir }));
      assert.match(unknown, /bots\[0\]\.displayName is not a field of this manifest version\.$/);
      assertOneSentence(unknown);

      await rm(manifestDir, { recursive: true, force: true });
      manifestDir = await brokenCopy((m) => delete m.accentColor);
      const missing = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir }));
      assert.match(missing, /accentColor is missing\.$/);
      assertOneSentence(missing);
    });

    it('refuses a $schema whose schema is not bundled, and a manifestVersion that differs from it', async () => {
      manifestDir = await brokenCopy((m) => (m.$schema = 'https://example.com/teams.schema.json'));
      const schema = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir }));
      assert.match(schema, /\$schema must name a Teams manifest schema that @microsoft\/app-manifest ships/);
      assertOneSentence(schema);

      await rm(manifestDir, { recursive: true, force: true });
      manifestDir = await brokenCopy((m) => (m.manifestVersion = '1.19'));
      const version = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN }, { manifestDir, outDir }));
      assert.match(version, /manifestVersion must be "1\.30"/);
      assertOneSentence(version);
    });
  });

  it('falls back to MICROSOFT_APP_ID when BOT_ID is not set', async () => {
    const zipPath = await packageApp({ MICROSOFT_APP_ID: BOT_ID, BOT_DOMAIN }, { outDir });
    const zip = await JSZip.loadAsync(await readFile(zipPath));
    const manifest = JSON.parse((await zip.file('manifest.json')?.async('string')) ?? '{}') as Manifest;
    assert.equal(manifest.id, BOT_ID);
  });

  it('takes the tab Application ID URI from TAB_APP_ID_URI, and refuses one that is not on BOT_DOMAIN', async () => {
    const uri = `api://${BOT_DOMAIN}/botid-${BOT_ID}`;
    const zip = await JSZip.loadAsync(await readFile(await packageApp({ BOT_ID, BOT_DOMAIN, TAB_APP_ID_URI: uri }, { outDir })));
    assert.equal(JSON.parse(await zip.file('manifest.json')!.async('string')).webApplicationInfo.resource, uri);
    const message = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN, TAB_APP_ID_URI: `api://elsewhere.example.com/${BOT_ID}` }, { outDir }));
    assertOneSentence(message);
    assert.match(message, /^TAB_APP_ID_URI must be/);
  });

  it('refuses a missing BOT_DOMAIN with one sentence naming BOT_DOMAIN', async () => {
    const message = await packagingError(packageApp({ BOT_ID }, { outDir }));
    assert.match(message, /\bBOT_DOMAIN\b/);
    assertOneSentence(message);
  });

  it('refuses a BOT_DOMAIN with a scheme', async () => {
    const message = await packagingError(packageApp({ BOT_ID, BOT_DOMAIN: `https://${BOT_DOMAIN}` }, { outDir }));
    assert.match(message, /\bBOT_DOMAIN\b/);
    assertOneSentence(message);
  });

  it('refuses a missing BOT_ID with one sentence naming BOT_ID', async () => {
    const message = await packagingError(packageApp({ BOT_DOMAIN }, { outDir }));
    assert.match(message, /\bBOT_ID\b/);
    assertOneSentence(message);
  });

  it('refuses a BOT_ID that is not a GUID', async () => {
    const message = await packagingError(packageApp({ BOT_ID: 'liftoff', BOT_DOMAIN }, { outDir }));
    assert.match(message, /\bBOT_ID\b.*GUID/);
    assertOneSentence(message);
  });
});
