import type { Client } from '@temporalio/client';
import { createApp, type ApiOptions } from '../../api/create-app';
import { TopologyIndex } from '../../inventory/topology-index';
import { NAMESPACE, TASK_QUEUE } from '../../worker/task-queue';
import { serve } from './api-server';
import { labSmall } from './lab-fixtures';

export interface TestApi {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * rackshift's API on a free loopback port over a test Temporal's client: the lab-small topology,
 * the default namespace and task queue, and no audit output unless `options` say otherwise.
 * `options` names the token source (tokens, tokenStore or verifier).
 */
export async function serveTestApi(
  client: Client,
  options: Omit<ApiOptions, 'client' | 'topology' | 'taskQueue' | 'namespace'> &
    Partial<Pick<ApiOptions, 'topology'>>,
): Promise<TestApi> {
  return serve(
    createApp({
      topology: new TopologyIndex(await labSmall()),
      taskQueue: TASK_QUEUE,
      namespace: NAMESPACE,
      audit: () => undefined,
      ...options,
      client,
    }),
  );
}

/** One answer of the API, its JSON body parsed. */
export interface ApiAnswer {
  readonly status: number;
  // Tests read into answers of every route; each asserts the shape it expects.
  readonly json: any;
  readonly location: string | null;
}

/**
 * `call(method, path, body?, auth?)` against a test API with a bearer token (`auth` null: none).
 * A string body is sent as it is (for malformed JSON).
 */
export function apiCaller(
  api: () => TestApi,
  token: string,
): (method: string, path: string, body?: unknown, auth?: string | null) => Promise<ApiAnswer> {
  return async (method, path, body, auth = token) => {
    const res = await fetch(`${api().url}${path}`, {
      method,
      headers: {
        ...(auth !== null && { authorization: `Bearer ${auth}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && {
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    });
    return { status: res.status, json: await res.json(), location: res.headers.get('location') };
  };
}
