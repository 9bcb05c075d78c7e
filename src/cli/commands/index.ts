import type { Command } from 'commander';
import { registerImportCommand } from './import.js';
import { registerScoreCommand } from './score.js';
import { registerSimulateCommand } from './simulate.js';
import { registerReplay } from './replay.js';
import { registerStartCommand } from './start.js';
import { registerDemoCommand } from './demo.js';
import { registerBench } from './bench.js';

/** Adds every `walkout` subcommand; each lives in its own module beside this one. */
export function registerCommands(program: Command): void {
  registerImportCommand(program);
  registerScoreCommand(program);
  registerSimulateCommand(program);
  registerReplay(program);
  registerStartCommand(program);
  registerDemoCommand(program);
  registerBench(program);
}
