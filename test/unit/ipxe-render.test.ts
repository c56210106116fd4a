import fc from 'fast-check';
import { ValidationError } from '../../common/errors';
import { bootPlanFor } from '../../drivers/boot/boot-plan';
import {
  renderFallthroughScript,
  renderIpxeScript,
  type BootPlan,
} from '../../drivers/boot/ipxe-script';
import { TopologyIndex } from '../../inventory/topology-index';
import { parseIpxeScript } from '../../lab/boot/ipxe-script-parser';
import { labSmall } from '../support/lab-fixtures';

let index: TopologyIndex;
beforeAll(async () => {
  index = new TopologyIndex(await labSmall());
});

const assign = (persona: string, image: string, machine: string): BootPlan =>
  bootPlanFor(index, { mac: '52:54:00:00:03:00', persona, image, machine });

describe('iPXE scripts', () => {
  it('PXE image: kernel with the command line and the persona, initrd, boot', () => {
    expect(renderIpxeScript(assign('web-02', 'ubuntu-24-pxe', 'm-r1-03'))).toBe(
      [
        '#!ipxe',
        '# rackshift: persona web-02 on m-r1-03, image ubuntu-24-pxe (pxe)',
        'kernel http://127.0.0.1:8080/images/ubuntu-24/vmlinuz console=ttyS0 ip=dhcp rackshift.persona=web-02',
        'initrd http://127.0.0.1:8080/images/ubuntu-24/initrd.img',
        'boot',
        '',
      ].join('\n'),
    );
  });

  it('boot from SAN: the machine initiator and the per-LUN target of the boot LUN', () => {
    expect(renderIpxeScript(assign('db-01', 'rhel-9-san', 'm-r1-01'))).toBe(
      [
        '#!ipxe',
        '# rackshift: persona db-01 on m-r1-01, image rhel-9-san (san-iscsi)',
        'set initiator-iqn iqn.2026-11.lab.rackshift:m-r1-01',
        'sanboot iscsi:127.0.0.1::13260:1:iqn.2026-11.lab.rackshift:array-1:db-01-boot',
        '',
      ].join('\n'),
    );
  });

  it('hypervisor image: its kernel, marked as a hypervisor, naming the cluster the host joins', () => {
    const script = renderIpxeScript(assign('cluster-a', 'kvm-host', 'm-r2-03'));
    expect(script).toContain(
      'kernel http://127.0.0.1:8080/images/kvm-host/vmlinuz console=ttyS0 ip=dhcp rackshift.persona=cluster-a rackshift.role=hypervisor\n',
    );
    expect(script).toContain('initrd http://127.0.0.1:8080/images/kvm-host/initrd.img\nboot\n');
  });

  it('FC boot from SAN hands over to the HBA boot ROM', () => {
    const script = renderIpxeScript({
      kind: 'san-fc',
      persona: 'db-01',
      machine: 'm-r1-01',
      image: 'rhel-9-fc',
    });
    expect(script.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual(['exit']);
  });

  it('unknown MAC: exit, so the firmware tries its next boot device', () => {
    expect(renderFallthroughScript('52:54:00:99:99:99', 'no boot assignment')).toBe(
      '#!ipxe\n# rackshift: 52:54:00:99:99:99: no boot assignment; trying the next boot device\nexit\n',
    );
    expect(parseIpxeScript(renderFallthroughScript('52:54:00:99:99:99', 'x'))).toEqual({
      kind: 'exit',
    });
  });

  it('refuses an assignment that cannot be booted, naming why', () => {
    expect(() => assign('web-02', 'rhel-9-san', 'm-r1-03')).toThrow(/no LUN marked boot: true/);
    expect(() => assign('web-02', 'nope', 'm-r1-03')).toThrow('unknown boot image "nope"');
  });

  it('what the lab firmware reads back is what was rendered', () => {
    expect(parseIpxeScript(renderIpxeScript(assign('db-01', 'rhel-9-san', 'm-r1-01')))).toEqual({
      kind: 'sanboot',
      initiatorIqn: 'iqn.2026-11.lab.rackshift:m-r1-01',
      server: '127.0.0.1',
      port: 13260,
      lun: 1,
      target: 'iqn.2026-11.lab.rackshift:array-1:db-01-boot',
      settings: { 'initiator-iqn': 'iqn.2026-11.lab.rackshift:m-r1-01' },
    });
    expect(
      parseIpxeScript(renderIpxeScript(assign('web-02', 'ubuntu-24-pxe', 'm-r1-03'))),
    ).toMatchObject({
      kind: 'kernel',
      args: ['console=ttyS0', 'ip=dhcp', 'rackshift.persona=web-02'],
    });
  });

  it('no value can add a line or a command to the script', () => {
    const base = assign('web-02', 'ubuntu-24-pxe', 'm-r1-03');
    if (base.kind !== 'pxe') throw new Error('fixture');
    let rendered = 0;
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }),
        fc.string({ maxLength: 60 }),
        (cmdline, kernelTail) => {
          let script: string;
          try {
            script = renderIpxeScript({
              ...base,
              cmdline,
              kernel: `http://127.0.0.1/${kernelTail}`,
            });
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
            return;
          }
          rendered += 1;
          const lines = script.split('\n');
          expect(lines.map((l) => l.split(' ')[0])).toEqual([
            '#!ipxe',
            '#',
            'kernel',
            'initrd',
            'boot',
            '',
          ]);
          expect(script).not.toMatch(/\$\{|[;|`"']/);
        },
      ),
      { numRuns: 500 },
    );
    // A renderer that refused everything would pass the property above.
    expect(rendered).toBeGreaterThan(0);
    expect(() => renderIpxeScript({ ...base, cmdline: 'quiet\nshell' })).toThrow(ValidationError);
    expect(() => renderIpxeScript({ ...base, cmdline: 'x=${net0/ip}' })).toThrow(ValidationError);
  });
});
