import { z } from 'zod';

/** What the lab firmware understood from an iPXE script: the subset rackshift renders. */
export const parsedIpxeSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('kernel'),
      kernel: z.string(),
      initrd: z.string().optional(),
      args: z.array(z.string()).readonly(),
    })
    .readonly(),
  z
    .strictObject({
      kind: z.literal('sanboot'),
      initiatorIqn: z.string().optional(),
      server: z.string(),
      port: z.number().int(),
      lun: z.number().int(),
      target: z.string(),
      /** Every `set <name> <value>` before the sanboot, initiator-iqn included. */
      settings: z.record(z.string(), z.string()).readonly(),
    })
    .readonly(),
  z.strictObject({ kind: z.literal('exit') }).readonly(),
]);
export type ParsedIpxe = z.output<typeof parsedIpxeSchema>;

const ISCSI_URI = /^iscsi:(\[[^\]]+\]|[^:]*):([^:]*):(\d*):(\d*):(.+)$/;

/**
 * Runs the script the way iPXE would, up to its first boot, sanboot or exit; throws an Error naming
 * what it could not run.
 */
export function parseIpxeScript(text: string): ParsedIpxe {
  const lines = text.split('\n').map((l) => l.trim());
  if (lines[0] !== '#!ipxe') throw new Error('not an iPXE script (no #!ipxe line)');
  let kernel: { url: string; args: string[] } | undefined;
  let initrd: string | undefined;
  const settings: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line === '' || line.startsWith('#')) continue;
    const [command = '', ...args] = line.split(/\s+/);
    switch (command) {
      case 'kernel':
        if (args[0] === undefined) throw new Error('kernel without a URL');
        kernel = { url: args[0], args: args.slice(1) };
        break;
      case 'initrd':
        initrd = args[0];
        break;
      case 'set':
        if (args[0] !== undefined) settings[args[0]] = args.slice(1).join(' ');
        break;
      case 'boot':
        if (kernel === undefined) throw new Error('boot before any kernel');
        return {
          kind: 'kernel',
          kernel: kernel.url,
          ...(initrd !== undefined && { initrd }),
          args: kernel.args,
        };
      case 'sanboot': {
        const m = ISCSI_URI.exec(args[0] ?? '');
        if (m === null)
          throw new Error(
            `sanboot URI "${args[0] ?? ''}" is not iscsi:<server>::<port>:<lun>:<target>`,
          );
        const initiatorIqn = settings['initiator-iqn'];
        return {
          kind: 'sanboot',
          ...(initiatorIqn !== undefined && { initiatorIqn }),
          server: (m[1] ?? '').replace(/^\[|\]$/g, ''),
          port: m[3] ? Number(m[3]) : 3260,
          lun: m[4] ? Number(m[4]) : 0,
          target: m[5] ?? '',
          settings,
        };
      }
      case 'exit':
        return { kind: 'exit' };
      default:
        throw new Error(`unsupported iPXE command "${command}"`);
    }
  }
  throw new Error('the script ends without boot, sanboot or exit');
}
