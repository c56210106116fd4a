import fc from 'fast-check';
import { ValidationError } from '../../common/errors';
import { switchVendorSchema, type SwitchVendor } from '../../inventory/topology-schema';
import { SshSwitchDriver } from '../../drivers/switch/ssh-switch-driver';
import { RecordingConnector } from '../support/recording-ssh';
import { switchOf } from '../support/switch-fixture';

const VENDORS = switchVendorSchema.options;
const VALID_PORT: Record<SwitchVendor, string> = {
  'cisco-ios': 'GigabitEthernet1/0/1',
  'arista-eos': 'Ethernet1',
  junos: 'ge-0/0/1',
  'dell-os10': 'ethernet1/1/1',
  'cumulus-nvue': 'swp1',
  sonic: 'Ethernet0',
  ovs: 'vnet0',
};

/** Appended to each vendor's valid port name. */
const SUFFIXES = [
  '; reload',
  '\nreload',
  '\rreload',
  ' | include secret',
  "'",
  '"',
  '`reboot`',
  '$(reboot)',
  '\u0000',
  '\u001b[2J',
  ' && reboot',
  ' ',
  '/' + 'x'.repeat(300),
];
const STANDALONE = ['-o ProxyCommand=x', '', ' ', ';', '\n'];

type Call = (sw: SshSwitchDriver, port: string) => unknown;
const OPERATIONS: Record<string, Call> = {
  readPort: (sw, p) => sw.readPort(p),
  setAccessVlan: (sw, p) => sw.setAccessVlan(p, 110),
  setTrunkVlans: (sw, p) => sw.setTrunkVlans(p, [110, 120]),
  addTrunkVlan: (sw, p) => sw.addTrunkVlan(p, 110),
  removeTrunkVlan: (sw, p) => sw.removeTrunkVlan(p, 110),
  shutdown: (sw, p) => sw.shutdown(p),
  noShutdown: (sw, p) => sw.noShutdown(p),
  configurePort: (sw, p) =>
    sw.configurePort(p, { mode: 'access', accessVlan: 110, shutdown: false }),
};

function make(vendor: SwitchVendor): { rec: RecordingConnector; sw: SshSwitchDriver } {
  const rec = new RecordingConnector();
  return {
    rec,
    sw: new SshSwitchDriver(switchOf(vendor, vendor === 'ovs' ? { bridge: 'br0' } : {}), rec),
  };
}

describe.each(VENDORS)('%s refuses unsafe input before any session opens', (vendor) => {
  it.each(Object.keys(OPERATIONS))('%s with injected port names', (op) => {
    const { rec, sw } = make(vendor);
    for (const port of [...STANDALONE, ...SUFFIXES.map((s) => `${VALID_PORT[vendor]}${s}`)]) {
      expect(() => OPERATIONS[op]?.(sw, port)).toThrow(ValidationError);
    }
    expect(rec.connects).toBe(0);
  });

  it('VLAN values outside 1–4094, fractional, NaN or not numbers', () => {
    const { rec, sw } = make(vendor);
    const port = VALID_PORT[vendor];
    const bad: unknown[] = [
      0,
      -1,
      4095,
      65536,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '110',
      '110; reload',
      null,
      [110],
    ];
    for (const v of [...bad, undefined]) {
      expect(() => sw.setAccessVlan(port, v as number)).toThrow(ValidationError);
    }
    for (const v of bad) {
      expect(() => sw.setAccessVlan(port, v as number)).toThrow(ValidationError);
      expect(() => sw.addTrunkVlan(port, v as number)).toThrow(ValidationError);
      expect(() => sw.removeTrunkVlan(port, v as number)).toThrow(ValidationError);
      expect(() => sw.setTrunkVlans(port, [110, v as number])).toThrow(ValidationError);
      expect(() =>
        sw.configurePort(port, { mode: 'access', accessVlan: v as number, shutdown: false }),
      ).toThrow(ValidationError);
      expect(() =>
        sw.configurePort(port, { mode: 'trunk', trunkVlans: [v as number], shutdown: false }),
      ).toThrow(ValidationError);
    }
    expect(() =>
      sw.configurePort(port, { mode: 'access; reload' as 'access', shutdown: false }),
    ).toThrow(ValidationError);
    expect(rec.connects).toBe(0);
  });

  it('any port name with a forbidden character is refused (property)', () => {
    const { rec, sw } = make(vendor);
    const forbidden = fc.constantFrom(
      ';',
      '|',
      '\n',
      '\r',
      '\t',
      "'",
      '"',
      '`',
      '$',
      '&',
      '<',
      '>',
      '\\',
      '\u0000',
      '\u007f',
      ' ',
      '(',
      ')',
      '*',
      '{',
      '}',
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        forbidden,
        fc.string({ maxLength: 10 }),
        (before, bad, after) => {
          const port = `${VALID_PORT[vendor]}${before}${bad}${after}`;
          expect(() => sw.setAccessVlan(port, 110)).toThrow(ValidationError);
        },
      ),
      { numRuns: 300 },
    );
    expect(rec.connects).toBe(0);
  });
});

describe('the last gate', () => {
  it('every vendor accepts its own example port and opens a session for it', async () => {
    for (const vendor of VENDORS) {
      const { rec, sw } = make(vendor);
      await sw.readPort(VALID_PORT[vendor]).catch(() => undefined);
      expect(rec.connects).toBe(1);
    }
  });
});
