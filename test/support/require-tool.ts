import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Absolute path of `tool`, or an error that names it and the script that installs it. Suites never
 * skip.
 */
export function requireTool(
  tool: string,
  searchPath: string = `${process.env.PATH ?? ''}${delimiter}/usr/sbin${delimiter}/sbin`,
): string {
  const candidates = tool.startsWith('/')
    ? [tool]
    : searchPath
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, tool));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next directory
    }
  }
  throw new Error(
    `${tool} is not installed; run \`bash scripts/setup.sh\` (it installs every tool the test suites need)`,
  );
}
