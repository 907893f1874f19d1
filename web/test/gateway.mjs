// Helpers for the browser tests: build the wsgate binary once, run real
// wsgate processes on free loopback ports with temporary configs and
// databases, add users, and launch Debian's Chromium with playwright-core.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** tempDir makes a directory removed by the returned cleanup. */
export async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wsgate-web-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** buildBinary runs `go build` from the repository root into dir. */
export async function buildBinary(dir) {
  const bin = path.join(dir, 'wsgate');
  await run('go', ['build', '-o', bin, '.'], { cwd: repoRoot, timeout: 240_000, maxBuffer: 1 << 24 });
  return bin;
}

/** freePort asks the kernel for a free port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Gateway is one wsgate process with its own config and database. The
 * config text gets listen and database prepended, so the same port and
 * database survive restart().
 */
export class Gateway {
  constructor(bin, dir, name, configBody = '') {
    this.bin = bin;
    this.name = name;
    this.config = path.join(dir, `${name}.toml`);
    this.database = path.join(dir, `${name}.db`);
    this.configBody = configBody;
    this.proc = null;
    this.output = '';
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async writeConfig() {
    this.port ??= await freePort();
    const head = `listen = "127.0.0.1:${this.port}"\ndatabase = ${JSON.stringify(this.database)}\n`;
    await writeFile(this.config, head + this.configBody);
  }

  /** addUser runs `wsgate user add NAME` with the password on stdin. */
  async addUser(name, password, perms = []) {
    await this.writeConfig();
    const args = ['user', 'add', name, '--config', this.config, ...perms.flatMap((p) => ['--perm', p])];
    await new Promise((resolve, reject) => {
      const p = spawn(this.bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += d; });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user add ${name}: exit ${code}: ${err.trim()}`))));
      p.stdin.end(`${password}\n`);
    });
  }

  /** start runs `wsgate serve --config` and waits for /readyz. */
  async start(timeoutMs = 15000) {
    await this.writeConfig();
    this.output = '';
    const proc = spawn(this.bin, ['serve', '--config', this.config, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const keep = (d) => { this.output = (this.output + d).slice(-20000); };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    proc.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${this.name}: wsgate exited ${proc.exitCode}: ${this.output}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.ok) return;
      } catch { /* not listening yet */ }
      if (Date.now() > end) throw new Error(`${this.name}: /readyz not ready in ${timeoutMs} ms: ${this.output}`);
      await sleep(50);
    }
  }

  /** stop sends signal and waits (bounded) for the process to exit. */
  async stop(signal = 'SIGTERM', timeoutMs = 15000) {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    await proc.exited;
    clearTimeout(t);
    this.proc = null;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** chromiumPath is Debian's Chromium, installed by scripts/install-test-deps.sh. */
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);

/** launchChromium starts headless Chromium with the flags this machine needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    timeout: 30000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}
