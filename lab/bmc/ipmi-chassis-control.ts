import { z } from 'zod';
import { ValidationError } from '../../common/errors';
import { fieldIssues } from '../../common/field-path';
import type { Lab } from '../lab';
import type { LabBootDevice, LabMachine } from '../lab-machine';

/**
 * The lab side of ipmi_sim's `chassis_control` program. ipmi_sim runs it as
 * `<program> get power boot` and reads "power:1" / "boot:pxe" lines back, or as
 * `<program> set power 1`, `set boot pxe`, `set shutdown 1`, `set reset 1`. The program
 * (./chassis-control-script) forwards those words here, so power and boot device live in
 * the LabMachine.
 */

/** ipmi_sim's names for the IPMI boot device selector (OpenIPMI lanserv/bmc_chassis.c boot_map). */
const LAB_DEVICE_BY_IPMI_NAME: Readonly<Record<string, LabBootDevice>> = {
  none: 'none',
  pxe: 'pxe',
  default: 'disk',
  cdrom: 'cdrom',
  bios: 'bios',
};
const IPMI_NAME_BY_LAB_DEVICE: Readonly<Record<LabBootDevice, string>> = {
  none: 'none',
  pxe: 'pxe',
  disk: 'default',
  cdrom: 'cdrom',
  bios: 'bios',
};

function bad(index: number, message: string): ValidationError {
  return new ValidationError('chassis_control request', [{ path: `args[${index}]`, message }]);
}

function read(machine: LabMachine, name: string, index: number): string {
  if (name === 'power') return machine.powerState === 'on' ? '1' : '0';
  if (name === 'boot') return IPMI_NAME_BY_LAB_DEVICE[machine.bootOverride.device];
  throw bad(index, `cannot get "${name}"`);
}

function write(machine: LabMachine, name: string, value: string | undefined, index: number): void {
  if (name === 'power' && (value === '1' || value === '0')) {
    if (value === '1') machine.powerOn();
    else machine.powerOff();
  } else if (
    name === 'boot' &&
    value !== undefined &&
    LAB_DEVICE_BY_IPMI_NAME[value] !== undefined
  ) {
    // ipmi_sim passes on only the device selector; its read-back says "next boot only, legacy", so
    // that is what the machine does.
    machine.setBootDevice({
      device: LAB_DEVICE_BY_IPMI_NAME[value],
      persistent: false,
      uefi: false,
    });
  } else if (name === 'shutdown' && value === '1') {
    machine.softOff();
  } else if (name === 'reset' && value === '1') {
    machine.cycle('reset');
  } else if (name !== 'identify') {
    throw bad(index, `cannot set "${name}" to ${JSON.stringify(value)}`);
  }
}

/**
 * Answers one chassis_control run (its words after the machine id); throws ValidationError for
 * words it does not know.
 */
export function answerChassisControl(machine: LabMachine, args: readonly string[]): string {
  const [op, ...rest] = args;
  if (op === 'get')
    return rest.map((name, i) => `${name}:${read(machine, name, i + 1)}\n`).join('');
  if (op === 'set') {
    for (let i = 0; i < rest.length; i += 2) write(machine, rest[i] ?? '', rest[i + 1], i + 1);
    return '';
  }
  throw bad(0, `expected "get" or "set", got ${JSON.stringify(op)}`);
}

/** ?a=get&a=power&a=boot — one `a` per word, as the chassis_control script sends them. */
const querySchema = z.strictObject({
  a: z.union([
    z
      .string()
      .max(64)
      .transform((w) => [w]),
    z.array(z.string().max(64)).min(1).max(32),
  ]),
});

/** POST /lab/ipmi/:machine/chassis?a=… → text/plain lines for ipmi_sim. */
export function registerChassisControlRoute(lab: Lab): void {
  lab.control.post('/lab/ipmi/:machine/chassis', (req, res) => {
    const machine = lab.machines.get(req.params.machine);
    if (machine === undefined || machine.spec.bmc.driver !== 'ipmi') {
      res.status(404).type('text/plain').send(`no IPMI machine "${req.params.machine}"\n`);
      return;
    }
    if (machine.dark) {
      res.status(503).type('text/plain').send('machine is dark\n');
      return;
    }
    const parsed = querySchema.safeParse(req.query);
    try {
      if (!parsed.success)
        throw new ValidationError('chassis_control request', fieldIssues(parsed.error));
      res.type('text/plain').send(answerChassisControl(machine, parsed.data.a));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400).type('text/plain').send(`${e.message}\n`);
    }
  });
}
