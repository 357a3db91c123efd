/**
 * `npm run playground`: runs Liftoff locally together with the Microsoft 365
 * Agents Playground, a web page that emulates a Teams chat with the bot.
 *
 * 1. Starts the bot (`node --import tsx bot/index.ts`) on PORT (default 3978)
 *    in local anonymous mode, unless something already listens on that port,
 *    in which case that bot is used and left alone.
 * 2. Waits until GET /healthz answers 200.
 * 3. Starts the playground CLI (`agentsplayground`) pointed at
 *    http://localhost:PORT/api/messages with the msteams channel, serving its
 *    page on 56150 (it picks a free port when 56150 is taken). Browser opening
 *    is switched off (TEAMSAPPTESTER_BROWSER=none): on a machine without a
 *    browser the CLI would otherwise exit on the failed `xdg-open`.
 * 4. Ctrl-C or SIGTERM stops both. If the playground exits on its own it is
 *    restarted a few times before giving up.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '..');
const BOT_ENTRY = join(ROOT, 'bot', 'index.ts');
const PLAYGROUND_PORT = 56150;
const BOT_READY_TIMEOUT_MS = 120_000;
const PLAYGROUND_READY_TIMEOUT_MS = 60_000;
const MAX_PLAYGROUND_RESTARTS = 3;
const STOP_GRACE_MS = 8_000;
/** The CLI writes its log here instead of ./devTools/ in the working tree. */
const PLAYGROUND_LOG = join(tmpdir(), 'liftoff-playground', 'm365agentsplayground.log');
/**
 * The playground calls the bot without Bot Framework tokens, so the bot must
 * run in anonymous mode, and accept the playground's made-up tenant.
 */
const VARIABLES_NOT_PASSED_TO_THE_BOT = ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TYPE', 'MICROSOFT_APP_TENANT_ID', 'ALLOWED_TENANTS'];

function say(line: string): void {
  console.log(`[playground] ${line}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** GET a local URL; resolves with the status code, or undefined when nothing answers. */
function httpStatus(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  return new Promise((done) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      done(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(undefined));
    req.end();
  });
}

function botPort(): number {
  const raw = process.env.PORT?.trim();
  if (!raw) return 3978;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`PORT must be a port number from 1 to 65535, not "${raw}".`);
    process.exit(1);
  }
  return port;
}

function playgroundCli(): string {
  const pkg = require.resolve('@microsoft/m365agentsplayground/package.json', { paths: [ROOT] });
  return join(dirname(pkg), 'cli.js');
}

/** The last few lines of the playground log worth showing: no debug chatter, each cut short. */
function logTail(file: string, count: number): string[] {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('debug '))
      .slice(-count)
      .map((line) => (line.length > 240 ? `${line.slice(0, 237)}...` : line));
  } catch {
    return [];
  }
}

/** Resolves when the child has exited (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

async function stopChild(child: ChildProcess | undefined, name: string): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    say(`${name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it.`);
    child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await exited(child);
  clearTimeout(timer);
}

class Playground {
  private readonly port = botPort();
  private readonly endpoint = `http://localhost:${this.port}/api/messages`;
  private bot: ChildProcess | undefined;
  private playground: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;

  async run(): Promise<void> {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => void this.stop(0, `Received ${signal}; stopping Liftoff and the playground.`));
    }

    await this.startBot();
    if (this.stopping) return;
    await this.waitForBot();
    if (this.stopping) return;
    await this.startPlayground();
  }

  private async startBot(): Promise<void> {
    const healthz = `http://127.0.0.1:${this.port}/healthz`;
    if ((await httpStatus(healthz)) !== undefined) {
      say(`Something already listens on port ${this.port}; using the Liftoff running there and leaving it alone.`);
      return;
    }
    if (!existsSync(BOT_ENTRY)) {
      await this.stop(1, `${relative(ROOT, BOT_ENTRY)} does not exist, and nothing listens on port ${this.port}; start a bot there first.`);
      return;
    }

    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(this.port) };
    const dropped = VARIABLES_NOT_PASSED_TO_THE_BOT.filter((name) => env[name]?.trim());
    for (const name of VARIABLES_NOT_PASSED_TO_THE_BOT) delete env[name];
    if (dropped.length > 0) {
      say(`Running the bot in local anonymous mode without ${dropped.join(', ')}: the playground sends no Bot Framework tokens.`);
    }

    say(`Starting Liftoff on port ${this.port} (node --import tsx bot/index.ts).`);
    const bot = spawn(process.execPath, ['--import', 'tsx', BOT_ENTRY], { cwd: ROOT, env, stdio: 'inherit' });
    this.bot = bot;
    bot.on('error', (err) => void this.stop(1, `Liftoff could not be started: ${err.message}.`));
    bot.on('exit', (code, signal) => {
      if (this.stopping) return;
      const how = signal ? `was stopped by ${signal}` : `exited with code ${String(code)}`;
      const interrupted = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP';
      void this.stop(interrupted ? 0 : 1, `Liftoff ${how}; stopping the playground too.`);
    });
  }

  private async waitForBot(): Promise<void> {
    const healthz = `http://127.0.0.1:${this.port}/healthz`;
    const deadline = Date.now() + BOT_READY_TIMEOUT_MS;
    let last: number | undefined;
    while (!this.stopping) {
      last = await httpStatus(healthz);
      if (last === 200) {
        say(`Liftoff is ready: GET ${healthz} answered 200.`);
        return;
      }
      if (Date.now() > deadline) {
        const seen = last === undefined ? 'no answer' : `status ${last}`;
        await this.stop(1, `Liftoff did not answer GET ${healthz} with 200 within ${BOT_READY_TIMEOUT_MS / 1000} s (last: ${seen}).`);
        return;
      }
      await sleep(500);
    }
  }

  private async startPlayground(): Promise<void> {
    const args = [playgroundCli(), '--app-endpoint', this.endpoint, '--channel-id', 'msteams', '--port', String(PLAYGROUND_PORT), '--disable-telemetry'];
    say(`Starting the Agents Playground for ${this.endpoint} (channel msteams); its log is ${PLAYGROUND_LOG}.`);
    // The CLI writes its console output only to its log file when stdout is not
    // a terminal, and then prints just "Listening on <port>" to stdout: that
    // line tells which port it really got.
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_LOGFILE: PLAYGROUND_LOG,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.playground = child;

    let announced = false;
    const readyTimer = setTimeout(() => {
      if (!announced && !this.stopping) {
        say(`The playground has not said which port it listens on after ${PLAYGROUND_READY_TIMEOUT_MS / 1000} s; see ${PLAYGROUND_LOG}.`);
      }
    }, PLAYGROUND_READY_TIMEOUT_MS);

    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /Listening on (\d+)/.exec(line);
      if (match && !announced) {
        announced = true;
        clearTimeout(readyTimer);
        void this.announce(Number(match[1]));
      } else if (line.trim()) {
        say(line);
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim()) say(line);
    });

    child.on('error', (err) => void this.stop(1, `The playground could not be started: ${err.message}.`));
    child.on('exit', (code, signal) => {
      clearTimeout(readyTimer);
      if (this.stopping) return;
      if (signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP') {
        // Ctrl-C reaches every process of the terminal's group at once.
        void this.stop(0, `The playground got ${signal}; stopping Liftoff too.`);
        return;
      }
      void this.playgroundExited(signal ? `was killed by ${signal}` : `exited with code ${String(code)}`);
    });
  }

  private async announce(port: number): Promise<void> {
    const url = `http://localhost:${port}`;
    const deadline = Date.now() + PLAYGROUND_READY_TIMEOUT_MS;
    while (!this.stopping && (await httpStatus(url)) !== 200) {
      if (Date.now() > deadline) {
        say(`The playground listens on ${port} but ${url} does not answer 200 yet; see ${PLAYGROUND_LOG}.`);
        return;
      }
      await sleep(300);
    }
    if (this.stopping) return;
    if (port !== PLAYGROUND_PORT) say(`Port ${PLAYGROUND_PORT} was taken, so the playground chose ${port}.`);
    console.log(`Open ${url} to chat with Liftoff`);
    say('Press Ctrl-C to stop Liftoff and the playground.');
  }

  private async playgroundExited(how: string): Promise<void> {
    // The CLI removes its log when it starts, so show the end of it now.
    const tail = logTail(PLAYGROUND_LOG, 8);
    say(`The playground ${how}.${tail.length ? ' The end of its log:' : ''}`);
    for (const line of tail) say(`  ${line}`);
    if (this.restarts >= MAX_PLAYGROUND_RESTARTS) {
      await this.stop(1, `The playground exited ${this.restarts + 1} times; giving up and stopping Liftoff.`);
      return;
    }
    this.restarts += 1;
    say(`Restarting the playground (${this.restarts} of ${MAX_PLAYGROUND_RESTARTS}).`);
    await sleep(1_000 * this.restarts);
    if (!this.stopping) await this.startPlayground();
  }

  private async stop(exitCode: number, why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    say(why);
    await Promise.all([stopChild(this.playground, 'The playground'), stopChild(this.bot, 'Liftoff')]);
    process.exit(exitCode);
  }
}

new Playground().run().catch((err: unknown) => {
  console.error(`[playground] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
