import { runCli } from '../support/run-cli';

// `rackshift worker` refuses a bad tuning flag by name, before it reads or connects to anything.
describe('rackshift worker options', () => {
  it.each([
    [
      '--max-cached-workflows',
      '1',
      'must be 0 (no cache) or a whole number of workflows of at least 2, got "1"',
    ],
    ['--max-cached-workflows', '-5', 'got "-5"'],
    ['--max-cached-workflows', '2e3', 'got "2e3"'],
    ['--shutdown-grace', '1.5', 'must be a whole number of seconds, got "1.5"'],
    ['--metrics', 'localhost', 'must be host:port'],
    ['--disk-transfer', 'ftp://lab', 'must be an http(s) URL, got "ftp://lab"'],
  ])('%s %s is refused', async (flag, value, message) => {
    await expect(
      runCli(['worker', '--topology', 'no-such-topology.yaml', flag, value]),
    ).rejects.toThrow(message);
    await expect(
      runCli(['worker', '--topology', 'no-such-topology.yaml', flag, value]),
    ).rejects.toThrow(`option '${flag}`);
  });
});
