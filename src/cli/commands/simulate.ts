import type { Command } from 'commander';
import { WalkoutError } from '../../protocol/errors.js';
import { loadCameraStage } from '../../sim/cameraStage.js';
import { SCENARIO_NAMES, scenarioByName, simulate } from '../../sim/scenarios.js';
import { writeSimulation } from '../../sim/write.js';
import { progress } from '../io.js';

/** `walkout simulate --scenario NAME --seed N --out DIR`: writes store.json, recording.ndjson, truth.json. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'simulate a store: writes DIR/store.json, DIR/recording.ndjson and DIR/truth.json (contract v1)',
    )
    .requiredOption('--scenario <name>', `one of ${SCENARIO_NAMES.join(', ')}`)
    .requiredOption('--seed <n>', 'a non-negative integer; the same seed gives the same files')
    .requiredOption('--out <dir>', 'folder to write into (created if missing)')
    .option('--no-cameras', 'leave camera poses out (weights, gates and heartbeats only)')
    .action(async (options: { scenario: string; seed: string; out: string; cameras: boolean }) => {
      const config = scenarioByName(options.scenario);
      if (!/^[0-9]{1,9}$/.test(options.seed)) {
        throw new WalkoutError(
          'WO_INPUT_INVALID',
          `--seed: expected a non-negative integer, got "${options.seed}"`,
        );
      }
      const seed = Number(options.seed);
      const started = Date.now();
      const cameraStage = config.cameras && options.cameras ? await loadCameraStage() : null;
      progress(`simulate: ${config.name} seed ${seed}${cameraStage ? '' : ' (no cameras)'} …`);
      const sim = simulate(config.name, seed, cameraStage ? { cameraStage } : {});
      progress(`simulate: ${sim.messages.length} messages, writing ${options.out} …`);
      const { recordingBytes } = writeSimulation(options.out, sim);
      const items = sim.truth.shoppers.reduce((n, s) => n + s.items.reduce((k, i) => k + i.quantity, 0), 0);
      progress(
        `simulate: ${config.name} seed ${seed}: ${sim.truth.shoppers.length} visits, ${items} items, ` +
          `${sim.messages.length} messages (${(recordingBytes / 1e6).toFixed(1)} MB), ` +
          `${((sim.span.to - sim.span.from) / 1000).toFixed(0)} s simulated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
}
