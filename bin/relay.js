#!/usr/bin/env node
// The `relay` command. Everything lives in the compiled CLI; this file only points at it.
import '../dist/cli/main.js';
