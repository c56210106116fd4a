import { main } from './main';

/** Entry point when run from source (`node --import tsx cli/bin.ts …`), as the chaos tests do. */
main(process.argv).catch((e: unknown) => {
  console.error(`rackshift: ${(e as Error).message ?? String(e)}`);
  process.exit(1);
});
