import { CommanderError } from 'commander';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, resolveApi } from '../../cli/api-client';
import { SecretFileModeError } from '../../cli/cli-config';
import { EXIT, exitCodeOfError, exitCodeOfStatus } from '../../cli/exit-codes';
import { ValidationError } from '../../common/errors';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rackshift-cli-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'rs1.0123456789abcdef.' + 'A'.repeat(43);
const nowhere = (): string => join(dir, 'no-such-data');

function config(name: string, text: string, mode: number): NodeJS.ProcessEnv {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return { RACKSHIFT_CONFIG: file };
}

describe('where the CLI finds the API and its token', () => {
  it('reads both from the environment, the token never from argv', () => {
    expect(
      resolveApi(
        { data: nowhere() },
        {
          RACKSHIFT_API: 'http://10.0.0.1:8080/',
          RACKSHIFT_TOKEN: TOKEN,
          RACKSHIFT_CONFIG: join(dir, 'none.yaml'),
        },
      ),
    ).toEqual({ base: 'http://10.0.0.1:8080', token: TOKEN });
  });

  it('reads a 0600 config file; the environment wins over it, and --api over both', () => {
    const env = config('ok.yaml', `api: http://api.example:8080\ntoken: ${TOKEN}\n`, 0o600);
    expect(resolveApi({ data: nowhere() }, env)).toEqual({
      base: 'http://api.example:8080',
      token: TOKEN,
    });
    expect(resolveApi({ data: nowhere() }, { ...env, RACKSHIFT_TOKEN: 'x'.repeat(40) }).token).toBe(
      'x'.repeat(40),
    );
    expect(resolveApi({ data: nowhere(), api: 'http://127.0.0.1:9' }, env).base).toBe(
      'http://127.0.0.1:9',
    );
  });

  it('reads the token from the file the config names, which must be 0600 too', () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    expect(
      resolveApi({ data: nowhere() }, config('file.yaml', JSON.stringify({ tokenFile }), 0o600))
        .token,
    ).toBe(TOKEN);
    writeFileSync(join(dir, 'open-token'), TOKEN);
    chmodSync(join(dir, 'open-token'), 0o644);
    expect(() =>
      resolveApi(
        { data: nowhere() },
        config('open-file.yaml', JSON.stringify({ tokenFile: join(dir, 'open-token') }), 0o600),
      ),
    ).toThrow(SecretFileModeError);
  });

  it('refuses a config file group or others can read, saying how to fix it', () => {
    for (const mode of [0o640, 0o604, 0o666]) {
      const env = config(`open-${mode.toString(8)}.yaml`, `token: ${TOKEN}\n`, mode);
      expect(() => resolveApi({ data: nowhere() }, env)).toThrow(
        new RegExp(
          `mode: is 0${mode.toString(8)}; it must not be readable by group or others \\(chmod 600 .*open-${mode.toString(8)}\\.yaml\\)`,
        ),
      );
    }
  });

  it('refuses a malformed config file naming the field', () => {
    expect(() =>
      resolveApi({ data: nowhere() }, config('bad.yaml', 'api: ftp://x\ntokn: 1\n', 0o600)),
    ).toThrow(/api: .*; (\(root\)|tokn)|Unrecognized key/);
  });

  it('still takes --token, with a warning on stderr', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        resolveApi({ data: nowhere(), token: TOKEN }, { RACKSHIFT_CONFIG: join(dir, 'none.yaml') })
          .token,
      ).toBe(TOKEN);
      expect(stderr).toHaveBeenCalledWith(
        expect.stringMatching(/--token is deprecated: other users can read it in the process list/),
      );
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('exit codes', () => {
  it('say the outcome', () => {
    expect([
      exitCodeOfStatus('COMPLETED'),
      exitCodeOfStatus('FAILED'),
      exitCodeOfStatus('CANCELLED'),
      exitCodeOfStatus('TERMINATED'),
    ]).toEqual([EXIT.ok, EXIT.runFailed, EXIT.runFailed, EXIT.runFailed]);
    const api = (status: number): ApiError =>
      new ApiError(status, { error: { code: 'x', message: 'm', details: [] } });
    expect([400, 401, 403, 404, 409, 500, 503, 0].map((s) => exitCodeOfError(api(s)))).toEqual([
      2, 3, 3, 3, 3, 4, 4, 4,
    ]);
    expect(exitCodeOfError(new ValidationError('input', [{ path: 'x', message: 'bad' }]))).toBe(
      EXIT.usage,
    );
    expect(
      exitCodeOfError(new CommanderError(1, 'commander.unknownOption', 'unknown option')),
    ).toBe(EXIT.usage);
    expect(exitCodeOfError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(
      EXIT.ok,
    );
  });
});
