import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticSecretStore } from '../../common/secrets';
import { Ssh2Connector } from '../../drivers/ssh/ssh2-connector';
import {
  HostKeyMismatchError,
  SshAuthError,
  SshTimeoutError,
  SshUnreachableError,
} from '../../drivers/ssh/ssh-errors';
import type { SshSession, SshTarget } from '../../drivers/ssh/ssh-transport';
import { freePort } from '../support/free-port';
import { startSshd, type RealSshd } from '../support/sshd';

describe('Ssh2Connector against a real OpenSSH sshd', () => {
  let sshd: RealSshd;
  let target: SshTarget;
  let connector: Ssh2Connector;
  const sessions: SshSession[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    target = {
      deviceId: 'sshd-1',
      host: '127.0.0.1',
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      credential: 'test',
    };
    connector = new Ssh2Connector(
      new StaticSecretStore({ test: { username: sshd.username, privateKey: sshd.privateKey } }),
      {
        commandTimeoutMs: 5_000,
        backoffInitialMs: 10,
      },
    );
  });

  afterAll(async () => {
    for (const s of sessions) await s.close();
    await sshd?.stop();
  });

  async function open(): Promise<SshSession> {
    const s = await connector.connect(target);
    sessions.push(s);
    return s;
  }

  it('runs a command and returns stdout, stderr and the exit code', async () => {
    const s = await open();
    const r = await s.exec('echo out; echo err >&2; exit 3');
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3 });
  });

  it('feeds stdin to the command and closes it', async () => {
    const s = await open();
    const r = await s.exec('tr a-z A-Z', { stdin: 'secret-free text\n' });
    expect(r.stdout).toBe('SECRET-FREE TEXT\n');
    expect(r.code).toBe(0);
  });

  it('times a hanging command out with SshTimeoutError', async () => {
    const s = await open();
    // Writes until its pipe closes, so it dies with the channel instead of outliving the test.
    await expect(
      s.exec('while :; do echo tick; sleep 0.1; done', { timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(SshTimeoutError);
    expect((await s.exec('echo still-usable')).stdout).toBe('still-usable\n');
  });

  it('opens a PTY shell and reads each answer up to the prompt', async () => {
    const s = await open();
    const shell = await s.shell(/[#$] $/, { timeoutMs: 5_000 });
    await shell.send("PS1='rs> '", { prompt: /rs> $/ });
    const out = await shell.send('printf "a\\nb\\n"', { prompt: /rs> $/ });
    expect(out).toBe('a\nb');
    await expect(
      shell.send('sleep 30', { prompt: /rs> $/, timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(SshTimeoutError);
    await shell.close();
  });

  it('refuses a host key that does not match the pinned fingerprint, without retrying', async () => {
    const wrong = {
      ...target,
      hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
    };
    const before = (sshd.log().match(/Connection from 127\.0\.0\.1/g) ?? []).length;
    const err = await connector.connect(wrong).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).retryable).toBe(false);
    expect((err as HostKeyMismatchError).context.actual).toBe(sshd.hostKeyFingerprint);
    await new Promise((r) => setTimeout(r, 100));
    expect((sshd.log().match(/Connection from 127\.0\.0\.1/g) ?? []).length - before).toBe(1);
  });

  it('reports a rejected key as non-retryable SshAuthError without retrying', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rackshift-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const otherKey = readFileSync(join(dir, 'k'), 'utf8');
    rmSync(dir, { recursive: true });
    const bad = new Ssh2Connector(
      new StaticSecretStore({ test: { username: sshd.username, privateKey: otherKey } }),
      { connectAttempts: 3 },
    );
    const before = (sshd.log().match(/Connection from 127\.0\.0\.1/g) ?? []).length;
    const err = await bad.connect(target).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshAuthError);
    expect((err as SshAuthError).retryable).toBe(false);
    expect((err as Error).message).not.toContain('PRIVATE KEY');
    await new Promise((r) => setTimeout(r, 100));
    expect((sshd.log().match(/Connection from 127\.0\.0\.1/g) ?? []).length - before).toBe(1);
  });

  it('reports a closed port as SshUnreachableError (retryable)', async () => {
    const closed = { ...target, port: await freePort() };
    const err = await connector.connect(closed).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshUnreachableError);
    expect((err as SshUnreachableError).retryable).toBe(true);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('retries a device that drops connections, connectAttempts times', async () => {
    let accepted = 0;
    const dropper: Server = createServer((socket) => {
      accepted += 1;
      socket.destroy();
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    const port = (dropper.address() as { port: number }).port;
    const flaky = new Ssh2Connector(
      new StaticSecretStore({ test: { username: 'x', password: 'y' } }),
      { connectAttempts: 4, backoffInitialMs: 5 },
    );
    await expect(flaky.connect({ ...target, port })).rejects.toBeInstanceOf(SshUnreachableError);
    await new Promise<void>((r) => dropper.close(() => r()));
    expect(accepted).toBe(4);
  });
});
