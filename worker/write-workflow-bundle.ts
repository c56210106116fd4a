import { writeFileSync } from 'node:fs';
import { bundleWorkflows, PREBUILT_BUNDLE } from './workflow-bundle';

/**
 * `npm run build` runs this from dist/: the workflows bundled once, beside the compiled worker,
 * so that `rackshift worker` (and each container replica) starts without bundling.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const bundle = await bundleWorkflows();
  writeFileSync(PREBUILT_BUNDLE, bundle.code);
  console.log(
    `workflow bundle: ${PREBUILT_BUNDLE} (${Math.round(bundle.code.length / 1024)} KiB, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`workflow bundle: ${(e as Error).message}`);
    process.exit(1);
  });
}
