#!/usr/bin/env node
// `npx finspace-user-plan`: the earlier name of `finspace-user plan`, kept working.
import { main } from './main';

main(['plan', ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
