#!/usr/bin/env node
// `npm start`: runs the compiled build (dist/bot/index.js) in this very process, so SIGTERM and SIGINT
// reach Liftoff's own handlers. Plain JavaScript, so starting loads no compiler. When dist/ is missing
// or older than the sources (a fresh clone, an edit since the last build), it runs `npm run build`'s
// compiler and the tab's Vite build first; production starts `node dist/bot/index.js` itself.
'use strict';

const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
/** What the build reads: a change to any of these makes dist/ stale. */
const SOURCES = ['bot', 'cards', 'tab', 'tsconfig.json', 'tsconfig.build.json'];
const ENTRY = join('dist', 'bot', 'index.js');
/** The tab's pages, built by Vite (tab/vite.config.mjs) and served by the bot under /tab/. */
const TAB_ENTRY = join('dist', 'tab', 'board.html');

/**
 * The newest modification time (ms) of a file, or of any file under a folder; 0 when it does not exist.
 * @param {string} path
 * @returns {number}
 */
function newestChange(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), stat.mtimeMs);
}

/**
 * Why dist/ must be built before starting, or undefined when it is up to date.
 * @param {string} root the repository
 * @returns {'missing' | 'stale' | undefined}
 */
function buildReason(root) {
  const built = Math.min(newestChange(join(root, ENTRY)), newestChange(join(root, TAB_ENTRY)));
  if (built === 0) return 'missing';
  const sources = Math.max(...SOURCES.map((source) => newestChange(join(root, source))));
  return sources > built ? 'stale' : undefined;
}

/**
 * Compiles bot/ and cards/ into dist/ with tsconfig.build.json and the tab into dist/tab, as `npm run build` does.
 * @param {string} root the repository
 */
function build(root) {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    throw new Error('TypeScript is not installed, so dist/ cannot be built: run npm ci (with dev dependencies), then npm start.');
  }
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The build failed (the compiler says why above), so Liftoff did not start.');
  buildTab(root);
}

/**
 * Builds the tab's pages into dist/tab with Vite (tab/vite.config.mjs), as `npm run build` does.
 * @param {string} root the repository
 * @param {string} [outDir] another folder (a spec's own), so builds running at once do not meet
 */
function buildTab(root, outDir) {
  const vite = join(dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
  // Vite locks a project against a second build; builds into folders of their own may run at once.
  const elsewhere = outDir ? ['--outDir', outDir, '--emptyOutDir', '--bypass-lock'] : [];
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'tab', 'vite.config.mjs'), ...elsewhere], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The build of the tab pages failed (Vite says why above), so Liftoff did not start.');
}

function start() {
  const reason = buildReason(ROOT);
  if (reason) {
    console.error(`Building dist/ (${reason === 'missing' ? 'it is missing' : 'the sources changed since the last build'}) ...`);
    try {
      build(ROOT);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    }
  }
  require(join(ROOT, ENTRY));
}

module.exports = { buildReason, build, buildTab };

if (require.main === module) start();
