import { BmcProtocolError } from '../../drivers/power/power-errors';
import { RedfishHttp } from '../../drivers/power/redfish-http';

const ctx = { machineId: 'm1', bmcAddress: '127.0.0.1:8443' };
const http = () =>
  new RedfishHttp(
    ctx,
    { driver: 'redfish', address: '127.0.0.1', port: 8443, credential: 'bmc', scheme: 'https' },
    1_000,
  );

describe('RedfishHttp.path', () => {
  it.each([
    ['/redfish/v1/Systems/System.Embedded.1', '/redfish/v1/Systems/System.Embedded.1'],
    ['/redfish/v1/', '/redfish/v1'],
    [
      'https://127.0.0.1:8443/redfish/v1/TaskService/TaskMonitors/7',
      '/redfish/v1/TaskService/TaskMonitors/7',
    ],
    [
      '/redfish/v1/TaskService/Tasks/JID_1?$expand=.',
      '/redfish/v1/TaskService/Tasks/JID_1?$expand=.',
    ],
    ['/redfish/v1/Systems/a b"x"', '/redfish/v1/Systems/a%20b%22x%22'],
    ['/redfish/v1/Systems/1/../2', '/redfish/v1/Systems/2'],
  ])('keeps %s on the BMC as %s', (uri, path) => {
    expect(http().path(uri)).toBe(path);
  });

  it.each([
    'https://evil.example/redfish/v1/Sessions',
    'http://127.0.0.1:8443/redfish/v1/Systems',
    'https://127.0.0.1:9443/redfish/v1/Systems',
    '//evil.example/redfish/v1',
    '/redfish/v1/../../etc/passwd',
    '/admin',
    'javascript:alert(1)',
  ])('refuses %s', (uri) => {
    expect(() => http().path(uri)).toThrow(BmcProtocolError);
  });
});

describe('RedfishHttp.describe', () => {
  it("quotes the BMC's extended message with hidden values scrubbed", () => {
    const h = http();
    h.hide('s3cret');
    const body = {
      error: {
        message: 'general',
        '@Message.ExtendedInfo': [{ Message: 'password s3cret is wrong' }],
      },
    };
    expect(h.describe({ status: 401, headers: {}, body })).toBe('HTTP 401: password *** is wrong');
  });

  it('falls back to the text of a non-JSON body, then to the status alone', () => {
    expect(http().describe({ status: 400, headers: {}, body: 'PATCH only works for Boot' })).toBe(
      'HTTP 400: PATCH only works for Boot',
    );
    expect(http().describe({ status: 500, headers: {}, body: undefined })).toBe('HTTP 500');
  });
});
