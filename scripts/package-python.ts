// Generates the Python bindings from the package's jsii assembly (`npm run build`
// writes it, with the JavaScript it describes) and builds the Python
// distribution into dist/python: a wheel and an sdist. The wheel embeds the npm
// package itself (pacmak packs it), so Python runs the JavaScript npm ships.
// Offline: jsii-pacmak's own Python build makes a virtualenv and installs
// setuptools, build and twine from PyPI, so pacmak only generates the sources
// here (--code-only) and an installed Python with setuptools and wheel builds
// them without build isolation (nothing is downloaded).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { jsiiEnv } from './build';

const root = resolve(__dirname, '..');
export const PYTHON_DIST_DIR = join(root, 'dist', 'python');

/**
 * The first Python that can build a wheel offline: $PYTHON if set, else
 * `python3`, else the system's (Debian's python3-setuptools and
 * python3-wheel; a pyenv or virtualenv python3 first on PATH often has
 * setuptools without wheel).
 */
function pythonWithWheel(): string {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  const found = candidates.find(
    (python) => spawnSync(python, ['-c', 'import setuptools, wheel'], { stdio: 'ignore' }).status === 0,
  );
  if (found === undefined) {
    throw new Error(
      `package:python needs a Python with setuptools and wheel installed (tried ${candidates.join(', ')}); ` +
        'on Debian: apt-get install python3-setuptools python3-wheel, or set PYTHON to one that has them',
    );
  }
  return found;
}

function main(): void {
  if (!existsSync(join(root, '.jsii'))) {
    throw new Error('package:python: no jsii assembly (.jsii); run `npm run build` first');
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const generated = join(root, pkg.jsii.outdir, 'python');
  rmSync(generated, { recursive: true, force: true });
  rmSync(PYTHON_DIST_DIR, { recursive: true, force: true });
  mkdirSync(PYTHON_DIST_DIR, { recursive: true });

  // README examples are translated to Python (jsii-rosetta); untranslated, they would be
  // TypeScript labelled as Python in the module's docstring.
  execFileSync(
    join(root, 'node_modules', '.bin', 'jsii-pacmak'),
    [
      '--targets',
      'python',
      '--code-only',
      '--no-fingerprint',
      '--no-npmignore',
      '--rosetta-unknown-snippets',
      'translate',
    ],
    // pacmak packs the package with `npm pack`, which would build it again (prepack): it is built.
    { cwd: root, stdio: 'inherit', env: { ...jsiiEnv(), npm_config_ignore_scripts: 'true' } },
  );

  const python = pythonWithWheel();
  const offline = { ...process.env, PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  execFileSync(
    python,
    [
      '-m',
      'pip',
      'wheel',
      '--no-build-isolation',
      '--no-deps',
      '--no-index',
      '--wheel-dir',
      PYTHON_DIST_DIR,
      generated,
    ],
    { stdio: 'inherit', env: offline },
  );
  execFileSync(python, ['setup.py', '--quiet', 'sdist', '--dist-dir', PYTHON_DIST_DIR], {
    cwd: generated,
    stdio: 'inherit',
    env: offline,
  });
}

if (require.main === module) main();
