/**
 * `npm run package`: builds the Teams app package build/liftoff.zip from
 * manifest/manifest.json and the two icons, after checking the manifest against
 * the Teams manifest JSON schema it names ($schema), offline: the schemas come
 * bundled with @microsoft/app-manifest.
 *
 * Environment:
 *   BOT_ID      the bot's Microsoft App ID, a GUID (MICROSOFT_APP_ID is used
 *               when BOT_ID is not set)
 *   BOT_DOMAIN  the host name the bot is served from, without scheme or path,
 *               e.g. liftoff.example.com
 *   TAB_APP_ID_URI  the tab's Application ID URI for Teams single sign-on
 *               (webApplicationInfo.resource); default api://<BOT_DOMAIN>/<BOT_ID>
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import { readPngHeader } from './icons';

/** A packaging failure whose message is one sentence, fit to print as it is. */
export class PackageError extends Error {
  override readonly name = 'PackageError';
}

export interface PackageOptions {
  /** Folder holding manifest.json, color.png and outline.png. */
  manifestDir?: string;
  /** Folder the zip is written to; created when missing. */
  outDir?: string;
}

/** Environment variables the packaging reads (process.env fits). */
export type PackageEnv = Readonly<Record<string, string | undefined>>;

const ROOT = resolve(__dirname, '..');
export const DEFAULT_MANIFEST_DIR = join(ROOT, 'manifest');
export const DEFAULT_OUT_DIR = join(ROOT, 'build');
export const ZIP_NAME = 'liftoff.zip';

/** The icons, with the size Teams requires of each. */
const ICONS = [
  { file: 'color.png', size: 192 },
  { file: 'outline.png', size: 32 },
] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/** Reads and checks BOT_ID (or MICROSOFT_APP_ID); returns the GUID. */
export function readBotId(env: PackageEnv): string {
  const fromBotId = env.BOT_ID?.trim();
  const name = fromBotId ? 'BOT_ID' : 'MICROSOFT_APP_ID';
  const value = fromBotId || env.MICROSOFT_APP_ID?.trim();
  if (!value) {
    throw new PackageError("BOT_ID is not set: set it (or MICROSOFT_APP_ID) to the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000.");
  }
  if (!GUID.test(value)) {
    throw new PackageError(`${name} must be the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000, not ${quote(value)}.`);
  }
  return value;
}

/** Reads and checks BOT_DOMAIN; returns the host name. */
export function readBotDomain(env: PackageEnv): string {
  const value = env.BOT_DOMAIN?.trim();
  if (!value) {
    throw new PackageError('BOT_DOMAIN is not set: set it to the host name the bot is served from, without scheme, e.g. liftoff.example.com.');
  }
  const labels = value.split('.');
  const isHost = value.length <= 253 && labels.length >= 2 && labels.every((label) => HOST_LABEL.test(label));
  if (!isHost) {
    throw new PackageError(`BOT_DOMAIN must be a bare host name without scheme, port or path, e.g. liftoff.example.com, not ${quote(value)}.`);
  }
  return value;
}

/** Reads TAB_APP_ID_URI, or makes the one Teams SSO expects for an app on BOT_DOMAIN: api://<domain>/<app id>. */
export function readTabAppIdUri(env: PackageEnv, botId: string, botDomain: string): string {
  const value = env.TAB_APP_ID_URI?.trim() || `api://${botDomain}/${botId}`;
  // Teams requires the resource to sit on one of the app's domains (webApplicationInfo.resource).
  if (!value.startsWith(`api://${botDomain}/`)) {
    throw new PackageError(`TAB_APP_ID_URI must be the tab's Application ID URI on BOT_DOMAIN, such as api://${botDomain}/${botId}, not ${quote(value)}.`);
  }
  return value;
}

const SCHEMA_URL = /^https:\/\/developer\.microsoft\.com\/json-schemas\/teams\/v(1\.\d+)\/MicrosoftTeams\.schema\.json$/;

/** The bundled schema file for a Teams manifest $schema URL, or undefined when the package does not ship it. */
function bundledSchemaPath(schemaUrl: string): string | undefined {
  const version = SCHEMA_URL.exec(schemaUrl)?.[1];
  if (!version) return undefined;
  const root = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return join(root, 'build', 'json-schemas', 'teams', `v${version}`, 'MicrosoftTeams.schema.json');
}

/** "/bots/0/commandLists" as a reader writes it: bots[0].commandLists. */
function fieldName(pointer: string, child?: string): string {
  const parts = [...pointer.split('/').slice(1), ...(child ? [child] : [])].map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

/**
 * One failure of the package's validator ("<pointer> <message>. Details: <params JSON>") as words
 * naming the field.
 */
function describeFailure(failure: string): string {
  const match = /^(\S*) (.*?)\.? Details: (.*)$/.exec(failure);
  if (!match) return failure.replace(/\.$/, '');
  const [, pointer = '', message = '', details = ''] = match;
  let params: { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] } = {};
  try {
    params = JSON.parse(details) as typeof params;
  } catch {
    // The details are a courtesy; the pointer and the message already name the field.
  }
  if (params.missingProperty) return `${fieldName(pointer, params.missingProperty)} is missing`;
  if (params.additionalProperty) return `${fieldName(pointer, params.additionalProperty)} is not a field of this manifest version`;
  const field = fieldName(pointer) || 'the manifest';
  if (params.allowedValues)
    return `${field} must be one of ${params.allowedValues
      .filter((v) => v !== null)
      .map((v) => JSON.stringify(v))
      .join(', ')}`;
  return `${field} ${message}`;
}

/** Checks the manifest against the bundled JSON schema its $schema names; throws PackageError naming the first wrong field. */
async function validateManifest(manifest: { $schema?: unknown; manifestVersion?: unknown }): Promise<void> {
  const schemaUrl = typeof manifest.$schema === 'string' ? manifest.$schema : '';
  const schemaPath = bundledSchemaPath(schemaUrl);
  let schemaText: string | undefined;
  if (schemaPath) schemaText = await readFile(schemaPath, 'utf8').catch(() => undefined);
  if (!schemaText) {
    throw new PackageError(
      `manifest.json's $schema must name a Teams manifest schema that @microsoft/app-manifest ships, such as https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json, not ${quote(schemaUrl || 'nothing')}.`,
    );
  }
  const version = SCHEMA_URL.exec(schemaUrl)?.[1];
  if (manifest.manifestVersion !== version) {
    throw new PackageError(`manifest.json's manifestVersion must be "${version}", the version its $schema names, not ${quote(String(manifest.manifestVersion))}.`);
  }
  const failures = await AppManifestUtils.validateAgainstSchema(manifest as AppManifest, JSON.parse(schemaText) as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]);
  if (failures.length > 0) {
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    throw new PackageError(`manifest.json does not match the Teams manifest schema ${version}: ${describeFailure(failures[0]!)}${more}.`);
  }
}

async function readInput(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch {
    throw new PackageError(`${join(dir, file)} cannot be read; run this from the repository (npm run icons recreates the icons).`);
  }
}

/**
 * Builds the Teams app package and returns the path of the zip written.
 * Throws PackageError, whose message is one sentence, on anything wrong.
 */
export async function packageApp(env: PackageEnv, options: PackageOptions = {}): Promise<string> {
  const manifestDir = options.manifestDir ?? DEFAULT_MANIFEST_DIR;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;

  const botId = readBotId(env);
  const botDomain = readBotDomain(env);
  const tabAppIdUri = readTabAppIdUri(env, botId, botDomain);

  const template = (await readInput(manifestDir, 'manifest.json')).toString('utf8');
  const text = template.replaceAll('${{BOT_ID}}', botId).replaceAll('${{BOT_DOMAIN}}', botDomain).replaceAll('${{TAB_APP_ID_URI}}', tabAppIdUri);
  const leftover = /\$\{\{[^}]*\}\}|\$\{\{/.exec(text);
  if (leftover) {
    throw new PackageError(`manifest.json still holds the placeholder ${leftover[0]}, which only BOT_ID, BOT_DOMAIN and TAB_APP_ID_URI fill.`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    throw new PackageError(`manifest.json is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  const ids = manifest as { id?: unknown; bots?: Array<{ botId?: unknown }> };
  if (ids.id !== botId || ids.bots?.[0]?.botId !== botId) {
    throw new PackageError('manifest.json must use ${{BOT_ID}} for both its id and its bot id.');
  }
  await validateManifest(manifest as { $schema?: unknown });

  const zip = new JSZip();
  zip.file('manifest.json', text);
  for (const icon of ICONS) {
    const bytes = await readInput(manifestDir, icon.file);
    let header;
    try {
      header = readPngHeader(bytes);
    } catch {
      throw new PackageError(`${icon.file} is not a PNG file; npm run icons recreates it.`);
    }
    if (header.width !== icon.size || header.height !== icon.size) {
      throw new PackageError(`${icon.file} is ${header.width}x${header.height} but Teams needs ${icon.size}x${icon.size}; npm run icons recreates it.`);
    }
    zip.file(icon.file, bytes);
  }

  const zipPath = join(outDir, ZIP_NAME);
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  await mkdir(outDir, { recursive: true });
  await writeFile(zipPath, bytes);
  return zipPath;
}

if (require.main === module) {
  packageApp(process.env).then(
    (zipPath) => {
      console.log(`Wrote ${zipPath}`);
    },
    (err: unknown) => {
      if (err instanceof PackageError) console.error(err.message);
      else console.error(`Packaging failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
