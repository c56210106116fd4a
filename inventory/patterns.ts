import { z } from 'zod';

/**
 * The shapes that any value from input must have before it may reach a shell, an SSH
 * session or a switch CLI. Each is anchored and excludes whitespace, quotes, `;`, `|`,
 * `$`, backticks and control characters by construction. Pure: safe in workflow code.
 */
export const ID_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,62})$/;
/**
 * A DR drill's snapshot clone of a LUN: an id ending in `.drill-<6 hex>` (at most 63
 * characters, like every id). Reserved: no topology LUN may have such an id, so a clone can
 * never be mistaken for (or masked as) a production LUN.
 */
export const DRILL_CLONE_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,49}\.drill-[0-9a-f]{6}$/;
/**
 * Temporal workflow ids of runbook runs (lease holders, drill runs). The API names a run over
 * several racks or machines `<first>+<more>` (api/runbook-catalog), so "+" is allowed: refusing it
 * failed every multi-rack site-failover at its first ledger update.
 */
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9/._:@+-]{0,199}$/;
export const MAC_PATTERN = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
export const IQN_PATTERN =
  /^iqn\.\d{4}-(?:0[1-9]|1[0-2])\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[a-z0-9][a-z0-9.:_-]{0,200})?$/;
export const EUI_PATTERN = /^eui\.[0-9a-f]{16}$/;
export const WWPN_PATTERN = /^[0-9a-f]{2}(?::[0-9a-f]{2}){7}$/;
export const HOST_PATTERN =
  /^(?:(?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)$/i;
/** Generic switch-port shape; vendors narrow it further in drivers/switch. */
const PORT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9/._:-]{0,63}$/;
const SSH_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}=?$/;
const CERT_FINGERPRINT_PATTERN = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/;
/** URLs that go into iPXE scripts or kernel fetches: http(s), no spaces or quotes. */
export const BOOT_URL_PATTERN =
  /^https?:\/\/[A-Za-z0-9.[\]:_-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~%/+=-]*)?$/;
/**
 * A site's boot server: the origin (scheme, host, port) that serves a boot image's kernel and
 * initrd there; the image's URL paths stay the same.
 */
export const BOOT_SERVER_PATTERN = /^https?:\/\/[A-Za-z0-9.[\]:_-]+(?::\d{1,5})?$/;
/**
 * Device user names (BMC, switch, array): no whitespace, control characters, quotes, `;`, `|`, `$`,
 * `&`, `<`, `>`, `\`, backticks, nor a leading `-`.
 */
export const USERNAME_PATTERN = /^(?!-)[^\s\x00-\x1f\x7f-\x9f'"`;|$&<>\\]{1,64}$/;
/** Kernel command lines: printable, no quotes, `;`, `|`, `$`, backticks or newlines. */
export const CMDLINE_PATTERN = /^[A-Za-z0-9 ._,:=/@+%~-]{0,1024}$/;

export const idSchema = z
  .string()
  .regex(
    ID_PATTERN,
    'must be lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63 characters',
  );
export const macSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(MAC_PATTERN, 'must be a MAC address like 52:54:00:12:34:56'));
export const iqnSchema = z
  .string()
  .regex(
    new RegExp(`${IQN_PATTERN.source}|${EUI_PATTERN.source}`),
    'must be an iSCSI name like iqn.2026-11.com.example:host1 (lower case) or eui.<16 hex digits>',
  );
export const wwpnSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(WWPN_PATTERN, 'must be a WWPN like 10:00:00:00:c9:12:34:56'));
export const vlanSchema = z
  .number()
  .int('must be a whole number')
  .min(1, 'VLAN must be 1–4094')
  .max(4094, 'VLAN must be 1–4094');
export const bootServerSchema = z
  .string()
  .regex(BOOT_SERVER_PATTERN, 'must be an http(s) origin like http://10.2.0.5:8080 (no path)');
export const tcpPortSchema = z
  .number()
  .int()
  .min(1, 'port must be 1–65535')
  .max(65535, 'port must be 1–65535');
export const hostSchema = z
  .string()
  .regex(HOST_PATTERN, 'must be an IPv4 address, [IPv6] address or host name');
export const portNameSchema = z
  .string()
  .regex(
    PORT_NAME_PATTERN,
    'must be a port name like Ethernet1/1, ge-0/0/1 or swp1 (letters, digits, "/", ".", "_", ":", "-")',
  );
export const sshFingerprintSchema = z
  .string()
  .regex(
    SSH_FINGERPRINT_PATTERN,
    'must be an OpenSSH SHA256 fingerprint like SHA256:<43 base64 characters>',
  );
export const certFingerprintSchema = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(
    z
      .string()
      .regex(
        CERT_FINGERPRINT_PATTERN,
        'must be a SHA-256 certificate fingerprint, 32 hex pairs separated by ":"',
      ),
  );
export const bootUrlSchema = z
  .string()
  .regex(BOOT_URL_PATTERN, 'must be an http(s) URL without spaces or quotes');
export const cmdlineSchema = z
  .string()
  .regex(
    CMDLINE_PATTERN,
    'must be printable and contain no quotes, ";", "|", "$", "`" or newlines',
  );

/**
 * A CHAP user: tgt's conf line, targetcli's parser and iPXE's `set` split on spaces and `=`, so
 * none.
 */
export const CHAP_USER_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * A CHAP secret: RFC 3720 §8.2.1 wants at least 12 octets (Microsoft's initiator refuses fewer;
 * its upper limit is 16, tgt's and LIO's are larger); no spaces or quoting characters.
 */
export const CHAP_SECRET_PATTERN = /^[A-Za-z0-9._~+/-]{12,64}$/;
