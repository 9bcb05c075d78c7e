import type { Command } from 'commander';
import { readRecording } from '../../adapters/files/recording.js';
import { replay } from '../../engine/replay.js';
import { StoreDefinition } from '../../protocol/store.js';
import { progress, readJsonFile, writeFileMkdir } from '../io.js';

/** `walkout replay`: the engine offline over a recording. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('run the store engine offline on a recording and write its receipts (contract section 4)')
    .requiredOption('--store <file>', 'store definition (store.json)')
    .requiredOption('--input <file>', 'recording: NDJSON of device messages')
    .requiredOption('--out <file>', 'where to write the result JSON')
    .option('--people-out <file>', 'also write the estimated 3D people as NDJSON')
    .option(
      '--stats-json <file>',
      'write timing and memory of this run as JSON (used by `walkout bench speed`)',
    )
    .action(
      async (opts: { store: string; input: string; out: string; peopleOut?: string; statsJson?: string }) => {
        const store = readJsonFile(opts.store, StoreDefinition, 'store definition');
        const started = Date.now();
        const cpu = process.cpuUsage();
        let firstT = Infinity;
        let lastT = -Infinity;
        const timed = async function* () {
          for await (const line of readRecording(opts.input)) {
            if (line.ok) {
              firstT = Math.min(firstT, line.message.payload.t);
              lastT = Math.max(lastT, line.message.payload.t);
            }
            yield line;
          }
        };
        const outcome = await replay(store, timed(), {
          people: opts.peopleOut !== undefined,
          onProgress: (n) => progress(`replay: ${n} messages`),
        });
        const wallMs = Date.now() - started;
        const used = process.cpuUsage(cpu);
        writeFileMkdir(opts.out, `${JSON.stringify(outcome.result, null, 2)}\n`);
        if (opts.statsJson) {
          const stats = {
            wallMs,
            cpuMs: (used.user + used.system) / 1000,
            messages:
              outcome.stats.processed +
              outcome.stats.duplicate +
              outcome.stats.late +
              outcome.stats.unknownDevice,
            spanMs: Number.isFinite(firstT) ? lastT - firstT : 0,
            peakRssMb: process.resourceUsage().maxRSS / 1024,
          };
          writeFileMkdir(opts.statsJson, JSON.stringify(stats));
        }
        if (opts.peopleOut)
          writeFileMkdir(opts.peopleOut, outcome.people.map((f) => JSON.stringify(f)).join('\n') + '\n');
        const s = outcome.stats;
        progress(
          `replay: ${s.processed} messages processed (${s.duplicate} duplicate, ${s.late} late, ` +
            `${s.unknownDevice} from unknown devices, ${s.rejected} rejected) in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
            `${outcome.result.receipts.length} receipts, ${outcome.result.reviews.length} reviews → ${opts.out}`,
        );
      },
    );
}
