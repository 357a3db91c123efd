// Vite builds the tab's three pages (board, mywork, config) into dist/tab, which Liftoff's own server
// serves under /tab/ (bot/tab/routes.ts). JSX is compiled by Vite's own transform: no plugin needed.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/tab/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(here, '../dist/tab'),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // Fluent's 'use client' markers are for server rendering, which the tab does not do.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: {
        board: resolve(here, 'board.html'),
        mywork: resolve(here, 'mywork.html'),
        config: resolve(here, 'config.html'),
      },
    },
  },
});
