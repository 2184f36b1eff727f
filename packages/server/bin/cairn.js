#!/usr/bin/env node
// Entry point of the `cairn` CLI: runs the TypeScript sources through tsx's loader, so there is
// no build step between a checkout and a running server.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
