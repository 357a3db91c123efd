import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { decodePng, readPngHeader } from '../scripts/icons';
import { PackageError, packageApp } from '../scripts/package';

const BOT_ID = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const BOT_DOMAIN = 'liftoff.example.com';
/** Teams shows at most 10 commands per scope; the others are on the cards' buttons and in help. */
const COMMANDS = ['help', 'new', 'list', 'status', 'roles', 'history', 'uat', 'notify', 'retro', 'actions'];
const SCOPES = ['personal', 'team', 'groupChat'];

interface Command {
  title: string;
  description: string;
}
interface Manifest {
  manifestVersion: string;
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

    it('is a v1.19 manifest with the expected names and descriptions', () => {
      assert.equal(manifest.manifestVersion, '1.19');
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

    it('lists the ten main commands in every scope', () => {
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
      assert.deepEqual(
        [readPngHeader(color).width, readPngHeader(color).height],
        [192, 192],
      );
      assert.deepEqual(
        [readPngHeader(outline).width, readPngHeader(outline).height],
        [32, 32],
      );

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

  it('falls back to MICROSOFT_APP_ID when BOT_ID is not set', async () => {
    const zipPath = await packageApp({ MICROSOFT_APP_ID: BOT_ID, BOT_DOMAIN }, { outDir });
    const zip = await JSZip.loadAsync(await readFile(zipPath));
    const manifest = JSON.parse((await zip.file('manifest.json')?.async('string')) ?? '{}') as Manifest;
    assert.equal(manifest.id, BOT_ID);
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
