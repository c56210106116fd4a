import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore } from '../../api/token-store';
import { launchChromium, type Browser } from '../support/chromium';
import { startDev, type DevProcess } from '../support/dev-process';
import { ROOT } from '../support/lab-fixtures';
import { relocatedTopology } from '../support/relocated-topology';
import { requireTool } from '../support/require-tool';

/*
 * The stock Temporal UI decodes rackshift's encrypted payloads for a signed-in operator, in a real
 * browser: `rackshift dev --codec-key-file` (its embedded UI started with --ui-codec-endpoint at
 * the API's /codec), Debian's Chromium over its DevTools protocol. Without a codec session the
 * workflow page shows ciphertext; after an operator signs in at <api>/codec/session it shows the
 * run's input and result; after sign-out, ciphertext again. Screenshots go to
 * test-results/codec-ui/.
 */
jest.setTimeout(300_000);

const SHOTS = join(ROOT, 'test-results', 'codec-ui');
const MACHINE = 'm-r1-03';
let dir: string;
let dev: DevProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  // The dev stack (its lab's ipmi_sim processes, its Temporal server) stops even when closing the
  // browser fails: a failed close once left them running after CI.
  try {
    await browser?.close();
  } finally {
    if (dev !== undefined) expect(await dev.stop()).toBe(0);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
});

/** What the workflow page shows when the codec endpoint answers 401: the UI's own banner. */
const NO_CODEC = /Codec Server could not connect/;
/** The input as the UI shows a payload it could not decode: the ciphertext's base64 (quoted). */
const CIPHERTEXT_INPUT = /Input\s+"[A-Za-z0-9+/=]{40,}"/;
/** The decoded input and result, as the UI prints them (pretty JSON). */
const DECODED_INPUT = /"softOffGraceSeconds": 300/;
const DECODED_RESULT = /"stateAfter": "on"/;

it('shows the run decoded after an operator signs in, and ciphertext without a session', async () => {
  const chromium = requireTool('chromium');
  dir = mkdtempSync(join(tmpdir(), 'rackshift-codec-ui-'));
  mkdirSync(SHOTS, { recursive: true });
  const keyFile = join(dir, 'codec.keys');
  writeFileSync(keyFile, `k-ui ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const relocated = await relocatedTopology();
  const [apiPort, temporalPort, uiPort, labPort] = [
    await relocated.freePort(),
    await relocated.freePort(),
    await relocated.freePort(),
    await relocated.freePort(),
  ];
  const data = join(dir, 'data');
  dev = await startDev([
    ...['--data', data, '--topology', relocated.file, '--codec-key-file', keyFile],
    ...['--api-port', String(apiPort), '--temporal-port', String(temporalPort)],
    ...['--ui-port', String(uiPort), '--lab-port', String(labPort), '--no-seed', '--no-guard'],
  ]);
  const api = `http://127.0.0.1:${apiPort}`;
  const ui = `http://127.0.0.1:${uiPort}`;
  expect(dev.output()).toContain(`sign in at ${api}/codec/session`);
  const store = new FileTokenStore(join(data, 'tokens.json'));
  const operator = store.create('otto', 'operator').token;
  const viewer = store.create('vera', 'viewer').token;
  const admin = readFileSync(join(data, 'admin.token'), 'utf8').trim();

  const started = await fetch(`${api}/api/v1/runbooks/power/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: { machine: MACHINE, action: 'on' } }),
  });
  expect(started.status).toBe(202);
  const { statusUrl, temporalUiUrl } = (await started.json()) as {
    statusUrl: string;
    temporalUiUrl: string;
  };
  expect(temporalUiUrl.startsWith(`${ui}/namespaces/rackshift/workflows/`)).toBe(true);
  let status = 'RUNNING';
  for (let i = 0; i < 600 && status === 'RUNNING'; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    const run = await fetch(`${api}${statusUrl}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    status = ((await run.json()) as { status: string }).status;
  }
  expect(status).toBe('COMPLETED');

  browser = await launchChromium(chromium);
  const { page } = browser;
  // What the UI's "Codec Server" dialog stores in the browser when the operator chooses the
  // browser setting with "include cross-origin credentials" (the dev server's
  // --ui-codec-endpoint sets the endpoint only, and the UI then sends no cookies).
  await page.goto(`${ui}/`);
  await page.evaluate(`(() => {
    localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
    localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(`${api}/codec`))});
    localStorage.setItem('includeCredentials', 'true');
    localStorage.setItem('passAccessToken', 'false');
  })()`);

  const ciphertext = async (shot: string): Promise<void> => {
    await page.goto(temporalUiUrl);
    // The banner comes with the first refused decode; the input is drawn once history is loaded.
    const text = await page.waitForText(
      new RegExp(`${NO_CODEC.source}[\\s\\S]*${CIPHERTEXT_INPUT.source}`),
    );
    expect(text).not.toMatch(DECODED_INPUT);
    expect(text).not.toMatch(DECODED_RESULT);
    await page.screenshot(join(SHOTS, shot));
  };
  await ciphertext('1-no-session.png');

  const signIn = async (token: string, expected: RegExp): Promise<void> => {
    await page.goto(`${api}/codec/session`);
    await page.evaluate(
      `document.getElementById('token').value = ${JSON.stringify(token)};
       document.getElementById('submit').click()`,
    );
    await page.waitForText(expected);
  };
  await signIn(viewer, /Refused: token "vera" \(role viewer\) may not decrypt payloads/);
  expect((await page.cookies()).map((c) => c.name)).not.toContain('rackshift-codec');
  await signIn(operator, /Signed in as otto \(operator\) until/);
  const cookie = (await page.cookies()).find((c) => c.name === 'rackshift-codec')!;
  expect(cookie).toMatchObject({
    domain: '127.0.0.1',
    path: '/codec',
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
  });
  // HttpOnly: no script of any page reads it.
  expect(await page.evaluate<string>('document.cookie')).not.toContain('rackshift-codec');

  await page.goto(temporalUiUrl);
  const decoded = await page.waitForText(
    new RegExp(`${DECODED_INPUT.source}[\\s\\S]*${DECODED_RESULT.source}`),
  );
  expect(decoded).not.toMatch(NO_CODEC);
  await page.screenshot(join(SHOTS, '2-signed-in.png'));

  await page.goto(`${api}/codec/session`);
  await page.evaluate(`document.getElementById('sign-out').click()`);
  await page.waitForText(/Signed out\./);
  expect((await page.cookies()).map((c) => c.name)).not.toContain('rackshift-codec');
  await ciphertext('3-signed-out.png');

  // The audit names the operator and the session for each decode; the log holds neither the
  // session id nor a token.
  const audit = dev
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"at"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(audit).toContainEqual(
    expect.objectContaining({
      actor: 'otto',
      credential: 'codec-session',
      path: '/codec/decode',
      status: 200,
    }),
  );
  expect(audit).toContainEqual(
    expect.objectContaining({ actor: 'otto', method: 'DELETE', path: '/codec/session' }),
  );
  for (const secret of [cookie.value, ...[operator, viewer, admin].map((t) => t.split('.')[2]!)])
    expect(dev.output()).not.toContain(secret);
});
