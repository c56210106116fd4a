import { exitOnError } from './exit-codes';
import { main } from './main';

/** Entry point when run from source (`node --import tsx cli/bin.ts …`), as the chaos tests do. */
main(process.argv).catch(exitOnError);
