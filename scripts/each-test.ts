/**
 * Runs every `it` of the mocha suite by itself, each in its own mocha process, to prove that no test
 * leans on the state another test left behind.
 *
 *   npm run test:each                                   every test
 *   npm run test:each -- test/e2e/signoff.test.ts       the tests of the files named (or matched by part of their path)
 *   npm run test:each -- --grep "sign-off"              the tests whose full title matches
 *   npm run test:each -- --resume                       skip the tests that passed alone in the previous run
 *   npm run test:each -- --jobs 1                       how many mocha processes at a time (default 2)
 *
 * The list comes from `mocha --dry-run --reporter json` (no hook and no test runs). Each test then runs as
 * `mocha <its file> --grep "^<its full title>$"` with the settings of .mocharc.json, and counts as passed only
 * when the JSON reporter says exactly one test ran and it passed. The last line printed is one JSON object.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

interface MochaRc {
  require?: string[];
  extension?: string[];
  timeout?: number;
  exit?: boolean;
}

interface Listed {
  file: string;
  fullTitle: string;
}

interface Outcome extends Listed {
  passed: boolean;
  detail: string;
}

interface JsonReport {
  stats: { tests: number; passes: number; failures: number; pending: number };
  failures: { fullTitle: string; err: { message?: string } }[];
}

const ROOT = resolve(__dirname, '..');
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
// Passed runs of the last invocation, so that --resume can skip them.
const RESULTS = join(tmpdir(), 'liftoff-each-test', 'results.jsonl');

function parseArgs(argv: string[]): { files: string[]; grep?: RegExp; resume: boolean; jobs: number } {
  const files: string[] = [];
  let grep: RegExp | undefined;
  let resume = false;
  let jobs = 2;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--resume') resume = true;
    else if (arg === '--grep') grep = new RegExp(argv[++i] ?? '');
    else if (arg === '--jobs') jobs = Math.max(1, Number(argv[++i]) || 1);
    else files.push(arg);
  }
  return { files, grep, resume, jobs };
}

/** The mocha flags of .mocharc.json except its spec, which would add every file to each run. */
function mochaFlags(): string[] {
  const rc = JSON.parse(readFileSync(join(ROOT, '.mocharc.json'), 'utf8')) as MochaRc;
  const flags = ['--no-config', '--no-package'];
  for (const r of rc.require ?? []) flags.push('--require', r);
  for (const e of rc.extension ?? []) flags.push('--extension', e);
  if (rc.timeout !== undefined) flags.push('--timeout', String(rc.timeout));
  if (rc.exit) flags.push('--exit');
  return flags;
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [MOCHA, ...args], { cwd: ROOT, env: process.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => done({ code, output }));
  });
}

function readReport(path: string): JsonReport | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as JsonReport;
}

async function listTests(scratch: string): Promise<Listed[]> {
  const out = join(scratch, 'list.json');
  const { output } = await run(['--dry-run', '--reporter', 'json', '--reporter-option', `output=${out}`]);
  const report = readReport(out) as (JsonReport & { tests: Listed[] }) | undefined;
  if (!report) throw new Error(`mocha --dry-run listed nothing:\n${output}`);
  return report.tests.map((t) => ({ file: relative(ROOT, t.file), fullTitle: t.fullTitle }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function runAlone(test: Listed, flags: string[], scratch: string, n: number): Promise<Outcome> {
  const out = join(scratch, `${n}.json`);
  const grep = `^${escapeRegExp(test.fullTitle)}$`;
  const { code, output } = await run([...flags, '--reporter', 'json', '--reporter-option', `output=${out}`, '--grep', grep, test.file]);
  const report = readReport(out);
  const stats = report?.stats;
  const passed = code === 0 && stats?.tests === 1 && stats.passes === 1 && stats.failures === 0;
  if (passed) return { ...test, passed, detail: '' };
  const why = report ? `${stats?.tests} ran, ${stats?.passes} passed: ` + report.failures.map((f) => `${f.fullTitle}: ${f.err.message ?? ''}`).join('; ') : `mocha exited ${code} without a report`;
  return { ...test, passed, detail: `${why}\n${output.split('\n').slice(-15).join('\n')}` };
}

function keyOf(test: Listed): string {
  return `${test.file}\u0000${test.fullTitle}`;
}

function passedBefore(): Set<string> {
  if (!existsSync(RESULTS)) return new Set();
  const lines = readFileSync(RESULTS, 'utf8').split('\n').filter(Boolean);
  return new Set(lines.map((line) => keyOf(JSON.parse(line) as Listed)));
}

async function main(): Promise<void> {
  const started = Date.now();
  const { files, grep, resume, jobs } = parseArgs(process.argv.slice(2));
  const scratch = mkdtempSync(join(tmpdir(), 'liftoff-each-'));
  mkdirSync(join(tmpdir(), 'liftoff-each-test'), { recursive: true });
  const skip = resume ? passedBefore() : new Set<string>();
  if (!resume) writeFileSync(RESULTS, '');

  const all = await listTests(scratch);
  const chosen = all.filter(
    (t) => (files.length === 0 || files.some((f) => t.file.includes(relative(ROOT, resolve(f))) || t.file.includes(f))) && (!grep || grep.test(t.fullTitle)) && !skip.has(keyOf(t)),
  );
  const flags = mochaFlags();
  const failures: Outcome[] = [];
  let passed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chosen.length) {
      const n = next++;
      const test = chosen[n];
      if (!test) break;
      const outcome = await runAlone(test, flags, scratch, n);
      if (outcome.passed) {
        passed++;
        appendFileSync(RESULTS, JSON.stringify({ file: outcome.file, fullTitle: outcome.fullTitle }) + '\n');
      } else {
        failures.push(outcome);
        console.log(`FAIL ${outcome.file} :: ${outcome.fullTitle}\n${outcome.detail}\n`);
      }
      process.stderr.write(`${passed + failures.length}/${chosen.length} ${outcome.passed ? 'ok  ' : 'FAIL'} ${outcome.fullTitle}\n`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  rmSync(scratch, { recursive: true, force: true });

  if (failures.length > 0) {
    console.log('Failed alone:');
    for (const f of failures) console.log(`  ${f.file} :: ${f.fullTitle}`);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(JSON.stringify({ tests: chosen.length, passed, failed: failures.length, seconds }));
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
