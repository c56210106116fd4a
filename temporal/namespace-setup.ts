import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { RackshiftError } from '../common/errors';
import { SEARCH_ATTRIBUTES } from './search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const TYPE_OF: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
const NAME_OF = new Map(Object.entries(TYPE_OF).map(([name, type]) => [type, name]));

/**
 * The retention `rackshift admin setup` gives a namespace: drill reports are run results and last
 * as long.
 */
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * The namespace or search attributes rackshift needs are missing; the message says what, and what
 * to run.
 */
export class TemporalSetupError extends RackshiftError {
  override readonly name = 'TemporalSetupError';
  constructor(
    message: string,
    readonly missing: readonly string[],
  ) {
    super(message, { retryable: false });
  }
}

function grpcCode(e: unknown): number | undefined {
  return (e as { code?: number }).code;
}

async function namespaceExists(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch (e) {
    if (grpcCode(e) === GrpcStatus.NOT_FOUND) return false;
    throw e;
  }
}

/** What rackshift needs that the namespace lacks, one line each (empty: all there). */
export async function missingSetup(connection: Connection, namespace: string): Promise<string[]> {
  if (!(await namespaceExists(connection, namespace))) return [`no namespace ${namespace}`];
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: string[] = [];
  for (const [name, type] of SEARCH_ATTRIBUTES) {
    const have = customAttributes?.[name];
    if (have === undefined || have === null)
      missing.push(`no search attribute ${name} (${type}) in namespace ${namespace}`);
    else if (have !== TYPE_OF[type])
      missing.push(
        `search attribute ${name} in namespace ${namespace} is ${NAME_OF.get(have) ?? have}, rackshift needs ${type}`,
      );
  }
  return missing;
}

/**
 * Fails, saying exactly what is missing and the command that creates it, unless the namespace is
 * ready for rackshift.
 */
export async function checkTemporalSetup(connection: Connection, namespace: string): Promise<void> {
  const missing = await missingSetup(connection, namespace);
  if (missing.length > 0) {
    throw new TemporalSetupError(
      `${missing.join('; ')}: run \`rackshift admin setup --namespace ${namespace}\` (with the same connection options)`,
      missing,
    );
  }
}

/**
 * Creates the namespace (with `retentionDays`) or sets the retention of the existing one, and
 * adds the search attributes it lacks; then waits until the frontend sees all of it. A search
 * attribute registered with another type is an error: changing it would break old runs.
 */
export async function setupNamespace(
  connection: Connection,
  namespace: string,
  retentionDays: number,
  log: (line: string) => void,
): Promise<void> {
  const retention = msToTs(retentionDays * 86_400_000);
  if (await namespaceExists(connection, namespace)) {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: retention },
    });
    log(`namespace ${namespace}: exists; retention set to ${retentionDays} days`);
  } else {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: retention,
      description: 'rackshift runbooks',
    });
    log(`namespace ${namespace}: created with retention ${retentionDays} days`);
  }
  // A new namespace reaches each service's cache within a refresh interval (2 s by default);
  // the operator service may still answer NOT_FOUND after describeNamespace already succeeds.
  const deadline = Date.now() + 30_000;
  let listed;
  for (;;) {
    try {
      listed = await connection.operatorService.listSearchAttributes({ namespace });
      break;
    } catch (e) {
      if (grpcCode(e) !== GrpcStatus.NOT_FOUND) throw e;
      if (Date.now() > deadline)
        throw new TemporalSetupError(
          `namespace ${namespace} was registered but the server does not see it after 30 s`,
          [namespace],
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const { customAttributes } = listed;
  const toAdd: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const [name, type] of SEARCH_ATTRIBUTES) {
    const have = customAttributes?.[name];
    if (have === undefined || have === null) toAdd[name] = TYPE_OF[type]!;
    else if (have !== TYPE_OF[type])
      throw new TemporalSetupError(
        `search attribute ${name} in namespace ${namespace} is ${NAME_OF.get(have) ?? have}, rackshift needs ${type}; it cannot be changed in place`,
        [name],
      );
  }
  if (Object.keys(toAdd).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: toAdd });
    log(`namespace ${namespace}: added search attributes ${Object.keys(toAdd).join(', ')}`);
  } else {
    log(`namespace ${namespace}: search attributes already there`);
  }
  for (;;) {
    const missing = await missingSetup(connection, namespace);
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new TemporalSetupError(`after setup, still ${missing.join('; ')}`, missing);
    await new Promise((r) => setTimeout(r, 250));
  }
}
