/**
 * Import first, before any workflow module: from then on `@temporalio/workflow` resolves to
 * bench/plain/workflow-stand-in.ts in this process (the stand-in's own import of it still reaches
 * the real module, for its pure parts). Only the plain baseline's own process does this.
 */
import Module from 'node:module';

const standIn = require.resolve('./workflow-stand-in');
type Resolve = (
  request: string,
  parent: { filename?: string } | undefined,
  ...rest: unknown[]
) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const original = resolver._resolveFilename;
resolver._resolveFilename = function resolve(request, parent, ...rest) {
  if (request === '@temporalio/workflow' && parent?.filename !== standIn) return standIn;
  return original.call(this, request, parent, ...rest);
};
