import type { Response } from 'express';

/**
 * Redfish error bodies in the shape DSP0266 gives them (and iDRAC, iLO and bmcweb send):
 * `error.code`, `error.message` and `error.@Message.ExtendedInfo` with a MessageId from a
 * message registry, its Message, MessageSeverity and Resolution. Texts of the Base
 * registry (DMTF DSP8011 Base.1.x); vendor messages carry their own registry prefix.
 */
interface RegistryMessage {
  readonly message: (args: readonly string[]) => string;
  readonly resolution: string;
  readonly severity: 'Critical' | 'Warning';
}

const BASE: Readonly<Record<string, RegistryMessage>> = {
  PreconditionFailed: {
    message: () => 'The ETag supplied did not match the ETag required to change this resource.',
    resolution: 'Try the operation again using the appropriate ETag.',
    severity: 'Critical',
  },
  PreconditionRequired: {
    message: () => 'A precondition header or annotation is required to change this resource.',
    resolution:
      'Try the operation again using an If-Match or If-None-Match header and appropriate ETag.',
    severity: 'Critical',
  },
  PropertyNotWritable: {
    message: ([p]) => `The property ${p} is a read only property and cannot be assigned a value.`,
    resolution:
      'Remove the property from the request body and resubmit the request if the operation failed.',
    severity: 'Warning',
  },
  PropertyValueError: {
    message: ([p]) => `The value provided for the property ${p} is not valid.`,
    resolution:
      'Correct the value for the property in the request body and resubmit the request if the operation failed.',
    severity: 'Warning',
  },
  PropertyValueNotInList: {
    message: ([v, p]) =>
      `The value ${v} for the property ${p} is not in the list of acceptable values.`,
    resolution:
      'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
    severity: 'Warning',
  },
  ActionParameterNotSupported: {
    message: ([p, a]) =>
      `The parameter ${p} for the action ${a} is not supported on the target resource.`,
    resolution: 'Remove the parameter supplied and resubmit the request if the operation failed.',
    severity: 'Warning',
  },
  ResourceMissingAtURI: {
    message: ([u]) => `The resource at the URI ${u} was not found.`,
    resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.',
    severity: 'Critical',
  },
  NoValidSession: {
    message: () => 'There is no valid session established with the implementation.',
    resolution: 'Establish a session before attempting any operations.',
    severity: 'Critical',
  },
  InsufficientPrivilege: {
    message: () =>
      'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
    resolution:
      'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.',
    severity: 'Critical',
  },
  PropertyMissing: {
    message: ([p]) =>
      `The property ${p} is a required property and must be included in the request.`,
    resolution:
      'Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.',
    severity: 'Warning',
  },
  MalformedJSON: {
    message: () =>
      'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    resolution: 'Ensure that the request body is valid JSON and resubmit the request.',
    severity: 'Critical',
  },
  InternalError: {
    message: () =>
      'The request failed due to an internal service error.  The service is still operational.',
    resolution: 'Resubmit the request.  If the problem persists, consider resetting the service.',
    severity: 'Critical',
  },
};

/** Vendor messages the lab's quirk profiles send, by full MessageId. */
const VENDOR: Readonly<Record<string, RegistryMessage>> = {
  'IDRAC.2.8.SYS518': {
    message: () =>
      'iDRAC is not ready. The configuration values cannot be accessed. Please retry after a few minutes.',
    resolution: 'Wait for a few minutes and retry the operation.',
    severity: 'Warning',
  },
  'iLO.2.14.UnableToModifyDuringSystemPOST': {
    message: () =>
      'The value for the property cannot be changed while the computer system BIOS is in POST.',
    resolution: 'After the BIOS POST is complete, retry the operation.',
    severity: 'Warning',
  },
};

/** Sends a Redfish error: a Base message (`Base.<registry>.<id>`) or a vendor MessageId. */
export function sendRedfishError(
  res: Response,
  status: number,
  registry: string,
  id: string,
  args: readonly string[] = [],
): void {
  const vendor = VENDOR[id];
  const entry = vendor ?? BASE[id];
  if (entry === undefined) throw new Error(`lab redfish: no message ${id}`);
  const messageId = vendor === undefined ? `Base.${registry}.${id}` : id;
  const message = entry.message(args);
  res.status(status).json({
    error: {
      code: messageId,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: messageId,
          Message: message,
          MessageArgs: args,
          MessageSeverity: entry.severity,
          Resolution: entry.resolution,
        },
      ],
    },
  });
}
