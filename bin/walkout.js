#!/usr/bin/env node
// The compiled cli; `npm install` builds it through the `prepare` script.
import { main } from '../dist/cli/main.js';

main(process.argv).catch((error) => {
  console.error(`walkout: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
