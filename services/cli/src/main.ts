#!/usr/bin/env node
import { errorMessage } from '@weiche/core';
import { runCli } from './program.js';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`weiche: ${errorMessage(error)}`);
    process.exit(1);
  },
);
