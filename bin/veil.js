#!/usr/bin/env node
// The `veil` command. Sources are TypeScript run through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../node/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
