import { join } from 'node:path';
import type { Command } from 'commander';
import { importAutoCheckout, serializeImport } from '../../import/autocheckout.js';
import { progress, writeFileMkdir } from '../io.js';

/** `walkout import autocheckout DIR --out DIR`: converts outside recordings into Walkout's contract. */
export function registerImportCommand(program: Command): void {
  const group = program
    .command('import')
    .description('convert recordings from other systems into store.json, recording.ndjson and truth.json');
  group
    .command('autocheckout')
    .description(
      'convert an AutoCheckout (CPS-IoT 2020) recording folder: weights/, weights_unmapped/, products.csv, ground_truth.json',
    )
    .argument('<dir>', 'the recording folder, e.g. datasets/autocheckout/cps-test-01')
    .requiredOption('--out <dir>', 'folder to write store.json, recording.ndjson and truth.json into')
    .action((dir: string, options: { out: string }) => {
      progress(`reading ${dir}`);
      const result = importAutoCheckout(dir);
      const text = serializeImport(result);
      writeFileMkdir(join(options.out, 'store.json'), text.store);
      writeFileMkdir(join(options.out, 'recording.ndjson'), text.recording);
      writeFileMkdir(join(options.out, 'truth.json'), text.truth);
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      const plates = (result.store.fixtures ?? []).reduce(
        (n, f) => n + f.shelves.reduce((m, s) => m + s.plates.length, 0),
        0,
      );
      progress(
        `wrote ${options.out}: store ${result.store.id} (${plates} plates, ${result.store.products?.length ?? 0} products), ` +
          `${result.messages.length} messages, ${result.truth.shoppers.length} shopper(s) in truth`,
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
    });
}
