import { tgtDialect } from '../../drivers/storage/tgt-dialect';
import { tgtIncludeMatches, tgtIncludes } from '../../drivers/storage/tgt-target-conf';

const FILE = '/etc/tgt/conf.d/rackshift-web-02-boot.conf';

describe('which target files a tgt-admin configuration includes', () => {
  it('reads include lines, not comments or other options', () => {
    expect(
      tgtIncludes(
        '# include /etc/tgt/conf.d/*.conf\ndefault-driver iscsi\ninclude /etc/tgt/conf.d/*.conf  \n  include /srv/t/\n',
      ),
    ).toEqual(['/etc/tgt/conf.d/*.conf', '/srv/t/']);
  });

  it.each([
    ['/etc/tgt/conf.d/*.conf', true],
    ['/etc/tgt/conf.d/*', true],
    ['/etc/tgt/conf.d', true],
    ['/etc/tgt/conf.d/', true],
    ['/etc/tgt/conf.d/rackshift-web-02-boot.conf', true],
    ['/etc/tgt/conf.d/*.cfg', false],
    ['/etc/tgt/*.conf', false],
    ['/etc/tgt', false],
    ['/var/lib/cinder/volumes/*', false],
  ])('include %s takes the target file: %s', (pattern, taken) => {
    expect(tgtIncludeMatches(pattern, FILE)).toBe(taken);
  });

  it('the dialect refuses changes on a service whose targets.conf does not include its conf.d, and says what to add', () => {
    const check = tgtDialect().persistenceCheck;
    expect(check?.command).toBe('cat /etc/tgt/targets.conf');
    expect(check?.refusal('include /etc/tgt/conf.d/*.conf\n')).toBeUndefined();
    expect(check?.refusal('default-driver iscsi\ninclude /var/lib/cinder/volumes/*\n')).toContain(
      'must include /etc/tgt/conf.d/*.conf',
    );
  });
});
