import { Command, CommanderError } from 'commander';
import { WalkoutError } from '../protocol/errors.js';
import { registerCommands } from './commands/index.js';

/** Builds the `walkout` command line program. */
export function buildProgram(): Command {
  const program = new Command('walkout')
    .description('Walkout: a checkout-free store. Shelves, cameras and gates in; receipts out.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the cli; a bad input ends with a one-line reason and a non-zero exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof WalkoutError) {
      console.error(`walkout: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
