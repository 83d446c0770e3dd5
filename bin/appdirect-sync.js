#!/usr/bin/env node
'use strict';
// The CLI runs the compiled code; `npm install` builds it (the "prepare" script).
require('../dist/src/cli/main.js').main(process.argv);
