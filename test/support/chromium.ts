import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';

/**
 * Debian's `chromium` (scripts/setup.sh; requireTool finds it), headless, driven over its DevTools
 * protocol: the WebSocket client is undici's (already a dependency), so no browser-automation
 * package is needed. Only what the browser tests use: navigate, evaluate, read the text, take a
 * screenshot, list cookies.
 */
export interface BrowserPage {
  /** Loads the URL and resolves once its load event fired. */
  goto(url: string): Promise<void>;
  /** The value of a JavaScript expression in the page (promises awaited). */
  evaluate<T>(expression: string): Promise<T>;
  /** Resolves with the page's visible text once it matches; rejects naming the text after `ms`. */
  waitForText(pattern: RegExp, ms?: number): Promise<string>;
  screenshot(file: string): Promise<void>;
  /** Every cookie the browser holds, HttpOnly ones too (what no page script can read). */
  cookies(): Promise<BrowserCookie[]>;
}

export interface BrowserCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  readonly path: string;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite?: string;
}

export interface Browser {
  readonly page: BrowserPage;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export async function launchChromium(binary: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'rackshift-chromium-'));
  const child: ChildProcess = spawn(
    binary,
    [
      '--headless=new',
      // As root (the test machine) Chromium refuses to start with its sandbox; it loads only the
      // test's own loopback pages.
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-extensions',
      '--disable-background-networking',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      '--window-size=1400,1000',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const browserUrl = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`chromium exited with ${code}:\n${err}`)));
  });
  const port = new URL(browserUrl).port;
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    type: string;
    webSocketDebuggerUrl: string;
  }>;
  const ws = new WebSocket(targets.find((t) => t.type === 'page')!.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('cannot reach the DevTools page target')));
  });
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const waiters = new Map<string, Array<() => void>>();
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as {
      id?: number;
      method?: string;
      result?: unknown;
      error?: { message: string };
    };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    } else if (msg.method !== undefined) {
      for (const w of waiters.get(msg.method) ?? []) w();
      waiters.delete(msg.method);
    }
  });
  const send = <T>(method: string, params: object = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const next = (method: string): Promise<void> =>
    new Promise<void>((resolve) => waiters.set(method, [...(waiters.get(method) ?? []), resolve]));
  await send('Page.enable');

  const evaluate = async <T>(expression: string): Promise<T> => {
    const out = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
    );
    if (out.exceptionDetails) throw new Error(`in the page: ${out.exceptionDetails.text}`);
    return out.result.value;
  };
  const page: BrowserPage = {
    async goto(url) {
      const loaded = next('Page.loadEventFired');
      await send('Page.navigate', { url });
      await loaded;
    },
    evaluate,
    async waitForText(pattern, ms = 60_000) {
      const deadline = Date.now() + ms;
      let text = '';
      while (Date.now() < deadline) {
        text = await evaluate<string>('document.body ? document.body.innerText : ""');
        if (pattern.test(text)) return text;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`the page never showed ${pattern}; it shows:\n${text}`);
    },
    async screenshot(file) {
      const shot = await send<{ data: string }>('Page.captureScreenshot', { format: 'png' });
      writeFileSync(file, Buffer.from(shot.data, 'base64'));
    },
    cookies: async () =>
      (await send<{ cookies: BrowserCookie[] }>('Network.getAllCookies')).cookies,
  };
  return {
    page,
    close: async () => {
      ws.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      // Chromium's helper processes (crashpad, the GPU and network services) outlive the browser
      // by a moment and may still write into the profile: retry ENOTEMPTY (seen in CI).
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}
