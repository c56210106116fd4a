import { ID_PATTERN } from '../../inventory/patterns';

export interface LanConfSpec {
  readonly machineId: string;
  /** Loopback IPv4 address and UDP port the BMC listens on. */
  readonly address: string;
  readonly port: number;
  /** 32 hex digits: the BMC GUID that RMCP+ session keys are bound to. */
  readonly guid: string;
  readonly username: string;
  readonly password: string;
  /** The command line ipmi_sim runs (through a shell) for chassis control. */
  readonly chassisControl: string;
}

/** Characters that are safe both inside a lan.conf quoted string and unquoted in a shell word. */
const CONF_WORD = /^[A-Za-z0-9._@+-]+$/;
/**
 * ipmi_sim reads a user's password into a 20-byte C string: a 20th character is silently dropped.
 */
const IPMI_SIM_MAX_PASSWORD = 19;
const IPMI_MAX_USERNAME = 16;

/** One BMC at IPMB address 0x20 with no sensors; chassis control is all the lab needs. */
export const IPMI_SIM_EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
mc_enable 0x20
`;

/**
 * `'<script>' <controlPort> <machineId>`; ipmi_sim appends "get …" or "set …" and runs it through a
 * shell.
 */
export function chassisControlCommand(
  scriptPath: string,
  controlPort: number,
  machineId: string,
): string {
  if (/['"\\\n]/.test(scriptPath))
    throw new Error(
      `lab ipmi: path ${JSON.stringify(scriptPath)} has a quote, backslash or newline and cannot go into ipmi_sim's chassis_control line`,
    );
  if (!Number.isInteger(controlPort) || controlPort < 1 || controlPort > 65535)
    throw new Error(`lab ipmi: control port ${controlPort} is not a port`);
  if (!ID_PATTERN.test(machineId))
    throw new Error(`lab ipmi: machine id ${JSON.stringify(machineId)} is not an id`);
  return `'${scriptPath}' ${controlPort} ${machineId}`;
}

/**
 * ipmi_sim's lan.conf for one BMC: LAN channel 1 on the given loopback address (RMCP+ with
 * MD5 for IPMI 1.5 clients), one administrator (user 2; no anonymous user 1), and the
 * lab's chassis_control program. Holds the password: write it with mode 0600.
 */
export function renderLanConf(spec: LanConfSpec): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(spec.address))
    throw new Error(
      `lab ipmi: ${spec.machineId} has bmc.address ${spec.address}; lab BMCs listen on loopback IPv4 (127.x.x.x) only`,
    );
  if (!CONF_WORD.test(spec.username) || spec.username.length > IPMI_MAX_USERNAME)
    throw new Error(
      `lab ipmi: the user name for ${spec.machineId} must be 1–${IPMI_MAX_USERNAME} of A-Z a-z 0-9 . _ @ + -`,
    );
  if (!CONF_WORD.test(spec.password) || spec.password.length > IPMI_SIM_MAX_PASSWORD)
    throw new Error(
      `lab ipmi: the password for ${spec.machineId} must be 1–${IPMI_SIM_MAX_PASSWORD} of A-Z a-z 0-9 . _ @ + - (ipmi_sim keeps at most ${IPMI_SIM_MAX_PASSWORD})`,
    );
  if (!/^[0-9a-f]{32}$/.test(spec.guid)) throw new Error('lab ipmi: guid must be 32 hex digits');
  if (/["\n]/.test(spec.chassisControl))
    throw new Error('lab ipmi: chassis_control line has a double quote or newline');
  return `name "${spec.machineId}"
set_working_mc 0x20
  startlan 1
    addr ${spec.address} ${spec.port}
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid ${spec.guid}
  endlan
  chassis_control "${spec.chassisControl}"
  user 2 true "${spec.username}" "${spec.password}" admin 4 md5
`;
}
