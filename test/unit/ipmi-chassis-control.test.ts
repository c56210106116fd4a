import { ValidationError } from '../../common/errors';
import { answerChassisControl } from '../../lab/bmc/ipmi-chassis-control';
import { chassisControlCommand, renderLanConf } from '../../lab/bmc/ipmi-sim-config';
import type { LabMachine } from '../../lab/lab-machine';
import { bareLabMachines, labSmall } from '../support/lab-fixtures';

let machines: Map<string, LabMachine>;
beforeEach(async () => {
  machines = bareLabMachines(await labSmall(), { powerDelayMs: 0, bootMs: 0, shutdownMs: 0 });
});
afterEach(() => {
  for (const m of machines.values()) m.stop();
});

describe("ipmi_sim's chassis_control words → LabMachine", () => {
  it("answers get power and boot in ipmi_sim's name:value lines", () => {
    const m = machines.get('m-r1-01')!;
    expect(answerChassisControl(m, ['get', 'power', 'boot'])).toBe('power:0\nboot:default\n');
  });

  it('maps set power, boot, shutdown and reset to the LabMachine', () => {
    const m = machines.get('m-r1-01')!;
    expect(answerChassisControl(m, ['set', 'power', '1'])).toBe('');
    expect(answerChassisControl(m, ['set', 'boot', 'pxe'])).toBe('');
    expect(m.bootOverride).toEqual({ device: 'pxe', persistent: false, uefi: false });
    answerChassisControl(m, ['set', 'shutdown', '1']);
    answerChassisControl(m, ['set', 'reset', '1']);
    answerChassisControl(m, ['set', 'power', '0']);
    answerChassisControl(m, ['set', 'identify', '15 0']);
    expect(m.actions.map((a) => a.action)).toEqual(['on', 'bootdev', 'soft', 'reset', 'off']);
  });

  it.each([
    [['frobnicate']],
    [['get', 'fan']],
    [['set', 'power', '2']],
    [['set', 'boot', 'usb']],
    [['set', 'shutdown']],
  ])('refuses %j', (args) => {
    expect(() => answerChassisControl(machines.get('m-r1-01')!, args)).toThrow(ValidationError);
  });
});

describe('ipmi_sim configuration', () => {
  const spec = {
    machineId: 'm-r1-01',
    address: '127.0.0.1',
    port: 16231,
    guid: '0123456789abcdef0123456789abcdef',
    username: 'admin',
    password: 'Abc_def-123',
    chassisControl: "'/tmp/x/cc.sh' 4000 m-r1-01",
  };

  it('renders a LAN channel on the address, one admin user and the chassis_control line', () => {
    const conf = renderLanConf(spec);
    expect(conf).toContain('    addr 127.0.0.1 16231\n');
    expect(conf).toContain('  user 2 true "admin" "Abc_def-123" admin 4 md5\n');
    expect(conf).toContain(`  chassis_control "'/tmp/x/cc.sh' 4000 m-r1-01"\n`);
    expect(conf).not.toMatch(/user 1 /);
  });

  it.each([
    ['a non-loopback address', { address: '10.0.0.5' }, /loopback/],
    ['a 20-character password (ipmi_sim keeps 19)', { password: 'x'.repeat(20) }, /at most 19/],
    ['a quote in the password', { password: 'a"b' }, /password/],
    ['a space in the user name', { username: 'ad min' }, /user name/],
  ])('refuses %s', (_what, change, message) => {
    expect(() => renderLanConf({ ...spec, ...change })).toThrow(message);
  });

  it('quotes the script path for the shell and refuses paths it cannot quote', () => {
    expect(chassisControlCommand('/data dir/ipmi/cc.sh', 4000, 'm-r1-01')).toBe(
      "'/data dir/ipmi/cc.sh' 4000 m-r1-01",
    );
    expect(() => chassisControlCommand("/it's/cc.sh", 4000, 'm-r1-01')).toThrow(/quote/);
    expect(() => chassisControlCommand('/cc.sh', 4000, 'M;reboot')).toThrow(/not an id/);
  });
});
