import { CommandStartError, CommandTimeoutError } from '../../common/command-errors';
import type { CommandOptions, CommandResult, CommandRunner } from '../../common/command-runner';
import { CredentialError, ValidationError } from '../../common/errors';
import { StaticSecretStore, type Secret } from '../../common/secrets';
import { TopologyIndex } from '../../inventory/topology-index';
import type { Machine } from '../../inventory/topology-schema';
import { IpmiPowerDriver, ipmitoolRetries } from '../../drivers/power/ipmi';
import { CipherSuiteMemory } from '../../drivers/power/ipmi-cipher-suites';
import { topologySchema } from '../../inventory/topology-schema';
import {
  classifyIpmitoolFailure,
  parseBootFlags,
  parsePowerStatus,
} from '../../drivers/power/ipmitool-output';
import {
  BmcAuthError,
  BmcProtocolError,
  BmcUnreachableError,
  UnsupportedActionError,
} from '../../drivers/power/power-errors';
import { labSmall } from '../support/lab-fixtures';

const PASSWORD = 'Pa55-word.secret';
const SECRET: Secret = { username: 'admin', password: PASSWORD };

/** Sample outputs of ipmitool 1.8.19 `-v` against ipmi_sim, and of a BMC that keeps the flags. */
const BOOTPARAM = (data: string, extra = ''): string =>
  `Boot parameter version: 1\nBoot parameter 5 is valid/unlocked\nBoot parameter data: ${data}\n Boot Flags :\n${extra}`;
/**
 * What ipmitool 1.8.19 prints when ipmi_sim (or any BMC) refuses the suite's algorithms (lanplus.c
 * + lanplus_strings.c).
 */
const OPEN_SESSION_REFUSAL =
  'Error in open session response message : no matching cipher suite\n\nError: Unable to establish IPMI v2 / RMCP+ session\n';
const VERBOSE_NOISE =
  'Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\nDiscovered IPMB address 0x0\n';

interface Call {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: CommandOptions;
}

/** A BMC behind a recording runner: answers the chassis commands the driver sends. */
class FakeIpmitool implements CommandRunner {
  readonly calls: Call[] = [];
  power: 'on' | 'off' = 'off';
  bootData = '0000000000';
  failWith: { stderr: string } | Error | undefined;
  /** Cipher suites this BMC refuses at Open Session, as ipmitool reports it. */
  refuseSuites = new Set<number>();
  /** The next this many runs answer this stderr (a busy BMC), then it works again. */
  failNext: { stderr: string; times: number } | undefined;
  /** Answer to the raw "keep the valid bit" command. */
  rawAnswer: CommandResult | undefined;

  /** The ipmitool words after the connection options, for each call. */
  get commands(): string[] {
    return this.calls.map((c) => c.args.slice(c.args.indexOf('-v') + 1).join(' '));
  }

  async run(
    file: string,
    args: readonly string[],
    options: CommandOptions,
  ): Promise<CommandResult> {
    this.calls.push({ file, args, options });
    if (this.failWith instanceof Error) throw this.failWith;
    if (this.failWith !== undefined) return { stdout: '', stderr: this.failWith.stderr, code: 1 };
    if (this.refuseSuites.has(Number(args[args.indexOf('-C') + 1]))) {
      return { stdout: '', stderr: `${VERBOSE_NOISE}${OPEN_SESSION_REFUSAL}`, code: 1 };
    }
    if (this.failNext !== undefined && this.failNext.times > 0) {
      this.failNext = { ...this.failNext, times: this.failNext.times - 1 };
      return { stdout: '', stderr: this.failNext.stderr, code: 1 };
    }
    const command = args.slice(args.indexOf('-v') + 1).join(' ');
    const ok = (stdout: string): CommandResult => ({ stdout, stderr: VERBOSE_NOISE, code: 0 });
    switch (command) {
      case 'chassis power status':
        return ok(`Chassis Power is ${this.power}\n`);
      case 'chassis power on':
        this.power = 'on';
        return ok('Chassis Power Control: Up/On\n');
      case 'chassis power off':
        this.power = 'off';
        return ok('Chassis Power Control: Down/Off\n');
      case 'chassis power soft':
        return ok('Chassis Power Control: Soft\n');
      case 'chassis power cycle':
        return ok('Chassis Power Control: Cycle\n');
      case 'chassis bootparam get 5':
        return ok(BOOTPARAM(this.bootData));
      case 'raw 0x00 0x08 0x03 0x08':
        return this.rawAnswer ?? ok('');
      default:
        if (command.startsWith('chassis bootdev ')) {
          const [, , device, options = ''] = command.split(' ');
          const flags =
            (options.includes('persistent') ? 0x40 : 0) |
            (options.includes('efiboot') ? 0x20 : 0) |
            0x80;
          this.bootData = `${flags.toString(16)}${device === 'pxe' ? '04' : device === 'none' ? '00' : '08'}000000`;
          return ok(`Set Boot Device to ${device}\n`);
        }
        return { stdout: '', stderr: `unexpected ${command}`, code: 1 };
    }
  }
}

let machines: TopologyIndex;
beforeAll(async () => {
  machines = new TopologyIndex(await labSmall());
});

function driverFor(
  machine: Machine,
  runner: CommandRunner,
  secret: Secret = SECRET,
  memory = new CipherSuiteMemory(),
): IpmiPowerDriver {
  return new IpmiPowerDriver({
    machine,
    secrets: new StaticSecretStore({ 'lab-bmc': secret }),
    runner,
    cipherSuiteMemory: memory,
    busyRetryDelayMs: 1,
  });
}

function setup(secret?: Secret): { fake: FakeIpmitool; driver: IpmiPowerDriver } {
  const fake = new FakeIpmitool();
  return { fake, driver: driverFor(machines.machine('m-r1-01'), fake, secret) };
}

describe('IpmiPowerDriver argv and environment', () => {
  it('builds the exact lanplus argv; the password is only in IPMI_PASSWORD', async () => {
    const { fake, driver } = setup();
    await driver.powerState();
    expect(fake.calls).toHaveLength(1);
    const [call] = fake.calls;
    expect(call?.file).toBe('ipmitool');
    expect(call?.args).toEqual([
      '-I',
      'lanplus',
      '-C',
      '17',
      '-H',
      '127.0.0.1',
      '-p',
      '16231',
      '-U',
      'admin',
      '-E',
      '-N',
      '1',
      '-R',
      '2',
      '-v',
      'chassis',
      'power',
      'status',
    ]);
    expect(call?.options.env).toEqual({ IPMI_PASSWORD: PASSWORD });
    expect(call?.options.timeoutMs).toBe(10_000);
  });

  it('never puts the password in argv, whatever the operation', async () => {
    const { fake, driver } = setup();
    await driver.power('on');
    await driver.power('cycle');
    await driver.power('soft');
    await driver.power('off');
    await driver.setBootDevice({ device: 'pxe', persistent: true, uefi: true });
    await driver.bootDevice();
    expect(fake.calls.length).toBeGreaterThan(8);
    for (const call of fake.calls) {
      expect(call.args.some((a) => a.includes(PASSWORD))).toBe(false);
      expect(call.options.env?.IPMI_PASSWORD).toBe(PASSWORD);
    }
  });

  it('sends the exact command for each power action and reads the state back', async () => {
    const { fake, driver } = setup();
    expect(await driver.power('on')).toEqual({ action: 'on', already: false, stateAfter: 'on' });
    expect(await driver.power('soft')).toEqual({
      action: 'soft',
      already: false,
      stateAfter: 'on',
    });
    expect(await driver.power('cycle')).toEqual({
      action: 'cycle',
      already: false,
      stateAfter: 'on',
    });
    expect(await driver.power('off')).toEqual({ action: 'off', already: false, stateAfter: 'off' });
    expect(fake.commands).toEqual([
      'chassis power status',
      'chassis power on',
      'chassis power status',
      'chassis power status',
      'chassis power soft',
      'chassis power status',
      'chassis power status',
      'chassis power cycle',
      'chassis power status',
      'chassis power status',
      'chassis power off',
      'chassis power status',
    ]);
  });

  it('sets the boot device with options=persistent,efiboot and reads it back with bootparam get 5', async () => {
    const { fake, driver } = setup();
    expect(await driver.setBootDevice({ device: 'pxe', persistent: true, uefi: true })).toEqual({
      device: 'pxe',
      persistent: true,
      uefi: true,
    });
    expect(await driver.setBootDevice({ device: 'disk', persistent: false, uefi: false })).toEqual({
      device: 'disk',
      persistent: false,
      uefi: false,
    });
    expect(await driver.setBootDevice({ device: 'pxe', persistent: false, uefi: true })).toEqual({
      device: 'pxe',
      persistent: false,
      uefi: true,
    });
    const keep = 'raw 0x00 0x08 0x03 0x08';
    expect(fake.commands).toEqual([
      keep,
      'chassis bootdev pxe options=persistent,efiboot',
      'chassis bootparam get 5',
      keep,
      'chassis bootdev disk',
      'chassis bootparam get 5',
      keep,
      'chassis bootdev pxe options=efiboot',
      'chassis bootparam get 5',
    ]);
  });

  it('clears the override with "chassis bootdev none" and no options, and reads "none" back', async () => {
    const { fake, driver } = setup();
    await driver.setBootDevice({ device: 'pxe', persistent: true, uefi: true });
    expect(await driver.setBootDevice({ device: 'none', persistent: true, uefi: true })).toEqual({
      device: 'none',
      persistent: false,
      uefi: false,
    });
    expect(fake.commands.slice(3)).toEqual([
      'raw 0x00 0x08 0x03 0x08',
      'chassis bootdev none',
      'chassis bootparam get 5',
    ]);
  });

  it('uses ipmitoolPath and strips the brackets of an IPv6 address', async () => {
    const fake = new FakeIpmitool();
    const base = machines.machine('m-r1-01');
    const machine = { ...base, bmc: { ...base.bmc, address: '[::1]' } } as Machine;
    await new IpmiPowerDriver({
      machine,
      secrets: new StaticSecretStore({ 'lab-bmc': SECRET }),
      runner: fake,
      ipmitoolPath: '/opt/ipmitool',
    }).powerState();
    expect(fake.calls[0]?.file).toBe('/opt/ipmitool');
    expect(fake.calls[0]?.args.slice(4, 6)).toEqual(['-H', '::1']);
  });
});

describe('IpmiPowerDriver idempotency', () => {
  it('on while on and off while off send nothing but the status query', async () => {
    const { fake, driver } = setup();
    fake.power = 'on';
    expect(await driver.power('on')).toEqual({ action: 'on', already: true, stateAfter: 'on' });
    fake.power = 'off';
    expect(await driver.power('off')).toEqual({ action: 'off', already: true, stateAfter: 'off' });
    expect(await driver.power('soft')).toEqual({
      action: 'soft',
      already: true,
      stateAfter: 'off',
    });
    expect(fake.commands).toEqual([
      'chassis power status',
      'chassis power status',
      'chassis power status',
    ]);
  });

  it('cycle on a machine that is off sends "on", not "cycle"', async () => {
    const { fake, driver } = setup();
    expect(await driver.power('cycle')).toEqual({
      action: 'cycle',
      already: false,
      stateAfter: 'on',
    });
    expect(fake.commands).toEqual([
      'chassis power status',
      'chassis power on',
      'chassis power status',
    ]);
  });
});

describe('IpmiPowerDriver errors', () => {
  it.each([
    [
      'wrong password',
      `Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n`,
    ],
    [
      'unknown user',
      `Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n`,
    ],
  ])('%s → BmcAuthError, not retryable', async (_what, stderr) => {
    const { fake, driver } = setup();
    fake.failWith = { stderr };
    const error = await driver.powerState().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BmcAuthError);
    expect((error as BmcAuthError).retryable).toBe(false);
    expect((error as BmcAuthError).context).toEqual({
      machineId: 'm-r1-01',
      bmcAddress: '127.0.0.1:16231',
    });
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('no answer → BmcUnreachableError, retryable', async () => {
    const { fake, driver } = setup();
    fake.failWith = {
      stderr:
        'Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n',
    };
    const error = await driver.power('on').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BmcUnreachableError);
    expect((error as BmcUnreachableError).retryable).toBe(true);
  });

  it('a run that overruns its budget → BmcUnreachableError', async () => {
    const { fake, driver } = setup();
    fake.failWith = new CommandTimeoutError('ipmitool', 10_000);
    const error = await driver.powerState().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BmcUnreachableError);
    expect((error as Error).message).toContain('no answer within 10000 ms');
  });

  it('a missing ipmitool says which program and how to install it', async () => {
    const { fake, driver } = setup();
    fake.failWith = new CommandStartError('ipmitool', 'ENOENT');
    const error = await driver.powerState().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandStartError);
    expect((error as Error).message).toMatch(/"ipmitool" not found on PATH.*scripts\/setup\.sh/);
  });

  it('a boot device the BMC does not keep → UnsupportedActionError', async () => {
    const { fake, driver } = setup();
    const run = fake.run.bind(fake);
    fake.run = async (file, args, options) => {
      const result = await run(file, args, options);
      fake.bootData = '0008000000';
      return result;
    };
    await expect(
      driver.setBootDevice({ device: 'pxe', persistent: false, uefi: false }),
    ).rejects.toBeInstanceOf(UnsupportedActionError);
  });

  it('output it cannot read → BmcProtocolError', async () => {
    const runner: CommandRunner = {
      run: async () => ({ stdout: 'Chassis Power is unknown\n', stderr: '', code: 0 }),
    };
    const driver = driverFor(machines.machine('m-r1-01'), runner);
    await expect(driver.powerState()).rejects.toBeInstanceOf(BmcProtocolError);
  });
});

describe('IpmiPowerDriver cipher suites', () => {
  const suiteOf = (call: Call): string => call.args[call.args.indexOf('-C') + 1] ?? '';

  it('falls back from 17 to 3 when the BMC refuses 17, and starts with 3 from then on', async () => {
    const fake = new FakeIpmitool();
    fake.refuseSuites = new Set([17]);
    const memory = new CipherSuiteMemory();
    expect(await driverFor(machines.machine('m-r1-01'), fake, SECRET, memory).powerState()).toBe(
      'off',
    );
    expect(await driverFor(machines.machine('m-r1-01'), fake, SECRET, memory).powerState()).toBe(
      'off',
    );
    expect(fake.calls.map(suiteOf)).toEqual(['17', '3', '3']);
  });

  it('a BMC that refuses suite 3 is not unreachable: the next configured suite is used', async () => {
    const fake = new FakeIpmitool();
    fake.refuseSuites = new Set([3]);
    const base = machines.machine('m-r1-01');
    const machine = { ...base, bmc: { ...base.bmc, cipherSuites: [3, 17] } } as Machine;
    expect(await driverFor(machine, fake).power('on')).toMatchObject({
      action: 'on',
      already: false,
    });
    expect(fake.calls.map(suiteOf)).toEqual(['3', '17', '17', '17']);
  });

  it('every suite refused → UnsupportedActionError naming each, not retryable; the old cipherSuite is a list of one', async () => {
    const fake = new FakeIpmitool();
    fake.refuseSuites = new Set([3]);
    const base = machines.machine('m-r1-01');
    const machine = { ...base, bmc: { ...base.bmc, cipherSuite: 3 } } as Machine;
    const error = await driverFor(machine, fake)
      .powerState()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedActionError);
    expect((error as UnsupportedActionError).retryable).toBe(false);
    expect((error as Error).message).toMatch(
      /refused every configured cipher suite: 3 \(.*no matching cipher suite/,
    );
    expect(fake.calls.map(suiteOf)).toEqual(['3']);
  });

  it('the topology refuses cipherSuite and cipherSuites together, naming the field', async () => {
    const topology = structuredClone(await labSmall()) as unknown as {
      sites: Array<{ machines: Array<{ bmc: Record<string, unknown> }> }>;
    };
    const bmc = topology.sites[0]!.machines.find((m) => m.bmc.driver === 'ipmi')!.bmc;
    Object.assign(bmc, { cipherSuite: 3, cipherSuites: [17, 3] });
    const parsed = topologySchema.safeParse(topology);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.slice(-2).join('.'))).toContain(
      'bmc.cipherSuites',
    );
    expect(parsed.error?.issues.map((i) => i.message).join()).toMatch(
      /cipherSuites conflicts with cipherSuite/,
    );
  });
});

describe('IpmiPowerDriver busy BMC', () => {
  it.each([
    [
      'no free session slot',
      'Error in open session response message : insufficient resources for session\n\nError: Unable to establish IPMI v2 / RMCP+ session\n',
    ],
    ['Node busy', `${VERBOSE_NOISE}Set Chassis Power Control to Up/On failed: Node busy\n`],
  ])('%s is retried, and the command then goes through', async (_what, stderr) => {
    const { fake, driver } = setup();
    fake.failNext = { stderr, times: 2 };
    expect(await driver.powerState()).toBe('off');
    expect(fake.commands).toEqual([
      'chassis power status',
      'chassis power status',
      'chassis power status',
    ]);
  });

  it('gives up after 3 runs with a retryable BmcProtocolError', async () => {
    const { fake, driver } = setup();
    fake.failNext = {
      stderr: `${VERBOSE_NOISE}Set Chassis Power Control to Up/On failed: Node busy\n`,
      times: 99,
    };
    const error = await driver.powerState().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BmcProtocolError);
    expect((error as BmcProtocolError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/busy after 3 attempts/);
    expect(fake.calls).toHaveLength(3);
  });
});

describe('IpmiPowerDriver boot flag valid bit', () => {
  it('a BMC without boot option parameter 3 refuses the raw command; the boot device is still set', async () => {
    const { fake, driver } = setup();
    fake.rawAnswer = {
      stdout: '',
      stderr: `${VERBOSE_NOISE}Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 rsp=0x80): Unknown (0x80)\n`,
      code: 1,
    };
    expect(await driver.setBootDevice({ device: 'pxe', persistent: true, uefi: false })).toEqual({
      device: 'pxe',
      persistent: true,
      uefi: false,
    });
    expect(fake.commands).toEqual([
      'raw 0x00 0x08 0x03 0x08',
      'chassis bootdev pxe options=persistent',
      'chassis bootparam get 5',
    ]);
  });

  it('a BMC that does not answer the raw command is unreachable, and nothing else is sent', async () => {
    const { fake, driver } = setup();
    fake.rawAnswer = {
      stdout: '',
      stderr: `${VERBOSE_NOISE}Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8)\n`,
      code: 1,
    };
    await expect(
      driver.setBootDevice({ device: 'pxe', persistent: false, uefi: false }),
    ).rejects.toBeInstanceOf(BmcUnreachableError);
    expect(fake.commands).toEqual(['raw 0x00 0x08 0x03 0x08']);
  });
});

describe('IpmiPowerDriver.validate', () => {
  it('accepts an IPMI machine with a sane credential', () => {
    expect(() => setup().driver.validate()).not.toThrow();
  });

  it('names bmc.driver for a Redfish machine', () => {
    const driver = driverFor(machines.machine('m-r1-03'), new FakeIpmitool());
    expect(() => driver.validate()).toThrow(ValidationError);
    expect(() => driver.validate()).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'bmc.driver' })] }),
    );
  });

  it('names bmc.address when it is not a host (argv safety even for unparsed input)', () => {
    const base = machines.machine('m-r1-01');
    const machine = { ...base, bmc: { ...base.bmc, address: '-oProxyCommand=x' } } as Machine;
    const fake = new FakeIpmitool();
    const driver = driverFor(machine, fake);
    expect(() => driver.validate()).toThrow(/bmc\.address/);
    return expect(driver.powerState())
      .rejects.toBeInstanceOf(ValidationError)
      .then(() => expect(fake.calls).toHaveLength(0));
  });

  it.each([
    'ad min',
    'admin;reboot',
    'a"b',
    "a'b",
    'a`id`',
    'a$HOME',
    'a|b',
    '-U',
    'tab\tname',
    'x\u0085y',
    'seventeen-chars-x',
  ])('refuses user name %j before running ipmitool', async (username) => {
    const fake = new FakeIpmitool();
    const driver = driverFor(machines.machine('m-r1-01'), fake, { username, password: PASSWORD });
    expect(() => driver.validate()).toThrow(CredentialError);
    await expect(driver.powerState()).rejects.toBeInstanceOf(CredentialError);
    expect(fake.calls).toHaveLength(0);
  });

  it('refuses a missing or over-long password without printing it', () => {
    const long = 'x'.repeat(21);
    expect(() =>
      driverFor(machines.machine('m-r1-01'), new FakeIpmitool(), { username: 'admin' }).validate(),
    ).toThrow(CredentialError);
    const error = (() => {
      try {
        driverFor(machines.machine('m-r1-01'), new FakeIpmitool(), {
          username: 'admin',
          password: long,
        }).validate();
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CredentialError);
    expect(error?.message).toContain('at most 20 bytes');
    expect(error?.message).not.toContain(long);
  });
});

describe('ipmitool output', () => {
  it('parses power status', () => {
    expect(parsePowerStatus('Chassis Power is on\n')).toBe('on');
    expect(parsePowerStatus('Chassis Power is off\n')).toBe('off');
    expect(parsePowerStatus('Chassis Power is unknown\n')).toBeUndefined();
  });

  it.each([
    [
      'ipmi_sim after bootdev pxe options=persistent,efiboot (flags dropped)',
      '0004000000',
      { device: 'pxe', persistent: false, uefi: false },
    ],
    [
      'ipmi_sim after bootdev disk',
      '0008000000',
      { device: 'disk', persistent: false, uefi: false },
    ],
    [
      'a BMC that keeps the flags: valid, persistent, EFI, PXE',
      'e004000000',
      { device: 'pxe', persistent: true, uefi: true },
    ],
    [
      'valid, next boot only, EFI, disk',
      'a008000000',
      { device: 'disk', persistent: false, uefi: true },
    ],
    ['safe-mode disk', '800c000000', { device: 'disk', persistent: false, uefi: false }],
    ['CD/DVD', '8014000000', { device: 'other', persistent: false, uefi: false }],
    ['no override', '0000000000', { device: 'none', persistent: false, uefi: false }],
  ])('parses bootparam get 5: %s', (_what, data, expected) => {
    expect(parseBootFlags(BOOTPARAM(data, '   - Boot Flag Invalid\n'))).toEqual(expected);
  });

  it('refuses bootparam output without the data line', () => {
    expect(parseBootFlags('Boot parameter version: 1\n')).toBeUndefined();
  });

  it.each([
    [
      'auth',
      '> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session',
      /wrong password/,
    ],
    [
      'auth',
      'RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session',
      /unknown user name/,
    ],
    ['auth', 'RAKP 4 message indicates an error : invalid integrity check value', /wrong password/],
    [
      'auth',
      `${VERBOSE_NOISE}Set Chassis Power Control to Up/On failed: Insufficient privilege level`,
      /privilege/,
    ],
    [
      'cipher',
      'Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session',
      /cipher suite/,
    ],
    [
      'cipher',
      'Error in open session response message : no matching cipher suite\n\nError: Unable to establish IPMI v2 / RMCP+ session',
      /cipher suite/,
    ],
    [
      'cipher',
      'Error in open session response message : no matching integrity payload\n',
      /cipher suite/,
    ],
    ['cipher', 'Error in open session response message : invalid role\n', /cipher suite/],
    [
      'cipher',
      'Authentication algorithm 0x01 is not what we requested 0x03\n\nError: Unable to establish IPMI v2 / RMCP+ session',
      /other algorithms/,
    ],
    ['cipher', 'Unsupported cipher suite ID : 12\n', /does not know/],
    [
      'auth',
      'RAKP 2 message indicates an error : unauthorized role requested\nError: Unable to establish IPMI v2 / RMCP+ session',
      /administrator/,
    ],
    [
      'auth',
      'Set Session Privilege Level to ADMINISTRATOR failed: Unknown (0x81)\nError: Unable to establish IPMI v2 / RMCP+ session',
      /administrator/,
    ],
    [
      'busy',
      'Error in open session response message : insufficient resources for session\n\nError: Unable to establish IPMI v2 / RMCP+ session',
      /no free session/,
    ],
    ['busy', `${VERBOSE_NOISE}Set Chassis Power Control to Up/On failed: Node busy`, /busy/],
    [
      'unsupported',
      `${VERBOSE_NOISE}Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 rsp=0xcc): Invalid data field in request`,
      /refused the command/,
    ],
    [
      'unreachable',
      `${VERBOSE_NOISE}Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8)`,
      /during the session/,
    ],
    [
      'unsupported',
      `${VERBOSE_NOISE}Set Chassis Power Control to Cycle failed: Command not supported in present state`,
      /refused the command.*Cycle failed/,
    ],
    [
      'unreachable',
      'Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session',
      /no answer/,
    ],
    ['unreachable', 'Address lookup for bmc.example failed', /does not resolve/],
    [
      'unreachable',
      `${VERBOSE_NOISE}Unable to set Chassis Power Control to Up/On`,
      /during the session/,
    ],
    ['unreachable', 'Error: Unable to establish IPMI v2 / RMCP+ session', /no session/],
    ['protocol', VERBOSE_NOISE, /without a message/],
  ])('classifies stderr as %s (sample %#)', (kind, stderr, detail) => {
    const failure = classifyIpmitoolFailure(stderr);
    expect(failure.kind).toBe(kind);
    expect(failure.detail).toMatch(detail);
  });

  it('retries as many times as fit the budget (r retries ≈ r(r+1) s), at least once', () => {
    expect([500, 2000, 5999, 6000, 11_999, 12_000, 20_000].map(ipmitoolRetries)).toEqual([
      1, 1, 1, 2, 2, 3, 4,
    ]);
  });
});
