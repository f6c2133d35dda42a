#!/usr/bin/env node
import { run } from '../dist/cli/run.js';
import { main } from '../dist/cli/ukl-run.js';
run('ukl-run', main);
