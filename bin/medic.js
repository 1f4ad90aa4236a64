#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` makes dist/. During development use `npm run medic -- ...`.
import '../dist/cli/main.js';
