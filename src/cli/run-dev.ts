// Runs the cli from source (development: `npx tsx src/cli/run-dev.ts …`), without a build.
import { main } from './main.js';

main(process.argv).catch((error: unknown) => {
  console.error(`walkout: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
