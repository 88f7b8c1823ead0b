// Writes the README's Usage snippets into an app directory, as a user would paste them:
// a code block right after `<!-- file: PATH -->` becomes that file, one after
// `<!-- append: PATH -->` is added to its end (APP in PATH: the app's name).
'use strict';
const { appendFileSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const [readme, appDir, appName] = process.argv.slice(2);
const text = readFileSync(readme, 'utf8');
const pattern = /<!-- (file|append): (\S+) -->\s*```\w*\n([\s\S]*?)```/g;
let count = 0;
for (const [, mode, path, code] of text.matchAll(pattern)) {
  const target = join(appDir, path.replace('APP', appName));
  mkdirSync(dirname(target), { recursive: true });
  if (mode === 'file') writeFileSync(target, code);
  else appendFileSync(target, `\n${code}`);
  count++;
}
if (count === 0) throw new Error(`no snippets found in ${readme}`);
console.log(`pasted ${count} README snippets into ${appDir}`);
