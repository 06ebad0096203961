#!/usr/bin/env node
// The socketkit command: the compiled CLI in dist/, run by plain node (`npm run build` makes it; npm install and
// npm pack run that build through the prepare script).
import "../dist/cli/main.js";
