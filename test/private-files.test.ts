// The tool changes the permissions of, and deletes, only what it made: a
// state directory holding its marker (or a new or empty one it then marks).
// `local --reset --state-dir X` and the private-directory helper refuse any
// other X, and never follow a symbolic link.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmulator } from '../cli/emulator-command';
import { runLocal } from '../cli/local-command';
import { saveState } from '../local/emulator-state';
import { localDeploy } from '../local/local-deploy';
import {
  isOwnDirectory,
  makeTreePrivate,
  privateDir,
  removeOwnDirectory,
  STATE_DIR_MARKER,
  writePrivateFile,
} from '../local/private-files';
import { demoState } from './support/demo-state';
import { synthUsers } from './support/synth';

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-private-'));
});
afterEach(() => {
  chmodSync(workDir, 0o700);
  rmSync(workDir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** A directory of someone's own, with a file in it: what `--state-dir ~` would name. */
function foreignDir(): string {
  const dir = join(workDir, 'home');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'thesis.tex'), 'years of work');
  return dir;
}

describe('local --reset --state-dir', () => {
  test('refuses a directory the tool did not make, and deletes nothing in it', async () => {
    const dir = foreignDir();
    await expect(runLocal(['--reset', '--state-dir', dir, '--no-synth'])).rejects.toThrow(
      `${dir} is not a directory finspace-user made (it has no ${STATE_DIR_MARKER}): not deleted`,
    );
    expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('years of work');
    expect(mode(dir)).toBe(0o755);
  });

  test('refuses a symbolic link, even to a state directory, and follows it nowhere', async () => {
    const state = join(workDir, 'state');
    privateDir(state);
    writeFileSync(join(state, 'emulator.json'), '{}');
    const link = join(workDir, 'link');
    symlinkSync(state, link);
    await expect(runLocal(['--reset', '--state-dir', link, '--no-synth'])).rejects.toThrow(
      `${link} is a symbolic link: finspace-user does not follow it`,
    );
    expect(existsSync(join(state, 'emulator.json'))).toBe(true);
  });

  test('deletes a state directory the tool made, links in it removed and not followed', () => {
    const stateDir = join(workDir, '.finspace-local');
    // as the endpoint's first save makes it
    saveState(join(stateDir, 'emulator.json'), demoState());
    const outside = foreignDir();
    symlinkSync(outside, join(stateDir, 'planted'));
    expect(isOwnDirectory(stateDir)).toBe(true);
    removeOwnDirectory(stateDir);
    expect(existsSync(stateDir)).toBe(false);
    expect(readFileSync(join(outside, 'thesis.tex'), 'utf8')).toBe('years of work');
    // nothing there is fine
    expect(() => removeOwnDirectory(stateDir)).not.toThrow();
  });

  test('deletes a state directory from a release before the marker (it holds the .gitignore the tool wrote)', () => {
    const legacy = join(workDir, 'legacy');
    mkdirSync(legacy);
    writeFileSync(
      join(legacy, '.gitignore'),
      '# Local FinSpace state (user names, keys), written by finspace-user: never commit it.\n*\n',
    );
    writeFileSync(join(legacy, 'emulator.json'), '{}');
    removeOwnDirectory(legacy);
    expect(existsSync(legacy)).toBe(false);
  });
});

describe('the private directory', () => {
  test('refuses a non-empty directory the tool did not make: no chmod, nothing written', () => {
    const dir = foreignDir();
    expect(() => privateDir(dir)).toThrow(
      `${dir} is not a directory finspace-user made (it has no ${STATE_DIR_MARKER}) and is not empty`,
    );
    expect(mode(dir)).toBe(0o755);
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
  });

  test('refuses a symbolic link: the directory it points at keeps its mode', () => {
    const dir = foreignDir();
    const link = join(workDir, 'link');
    symlinkSync(dir, link);
    expect(() => privateDir(link)).toThrow(`${link} is a symbolic link`);
    expect(mode(dir)).toBe(0o755);
  });

  test('makes a new directory, or takes over an empty one, owner-only and marked', () => {
    const fresh = join(workDir, 'a', 'b', 'state');
    privateDir(fresh);
    const empty = join(workDir, 'empty');
    mkdirSync(empty, { mode: 0o777 });
    chmodSync(empty, 0o777);
    privateDir(empty);
    for (const dir of [fresh, empty]) {
      expect(mode(dir)).toBe(0o700);
      expect(readdirSync(dir).sort()).toEqual(['.finspace-user-state', '.gitignore']);
      expect(isOwnDirectory(dir)).toBe(true);
    }
    // its parents are the user's: left at the default mode
    expect(mode(join(workDir, 'a'))).not.toBe(0o700);
  });

  test('a local deploy or the emulator with --state-dir naming a foreign directory refuses it, untouched', async () => {
    const dir = foreignDir();
    const cdkOut = synthUsers(workDir, { Analyst: { firstName: 'Ada' } });
    await expect(localDeploy({ projectDir: workDir, cdkOut, stateDir: dir, seed: demoState })).rejects.toThrow(
      'is not a directory finspace-user made',
    );
    await expect(runEmulator(['--state-dir', dir, '--port', '0'])).rejects.toThrow(
      'is not a directory finspace-user made',
    );
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
    expect(mode(dir)).toBe(0o755);
  });

  test('a private file written into a directory of the user’s own leaves that directory’s mode alone', () => {
    const dir = foreignDir();
    writePrivateFile(join(dir, 'seed.json'), '{}');
    expect(mode(join(dir, 'seed.json'))).toBe(0o600);
    expect(mode(dir)).toBe(0o755);
  });

  test('a private file is never written through a link left at its temporary name', () => {
    const dir = join(workDir, 'state');
    privateDir(dir);
    const victim = join(workDir, 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, join(dir, 'emulator.json.tmp'));
    writePrivateFile(join(dir, 'emulator.json'), '{"x":1}');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(join(dir, 'emulator.json'), 'utf8')).toBe('{"x":1}');
  });

  test('a copied tree is made private without following a link in it', () => {
    const tree = join(workDir, 'handler');
    mkdirSync(join(tree, 'lib'), { recursive: true });
    writeFileSync(join(tree, 'index.js'), '');
    const outside = join(workDir, 'outside.txt');
    writeFileSync(outside, '');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(tree, 'lib', 'link'));
    makeTreePrivate(tree);
    expect(mode(join(tree, 'index.js'))).toBe(0o600);
    expect(mode(join(tree, 'lib'))).toBe(0o700);
    expect(mode(outside)).toBe(0o644);
  });
});
