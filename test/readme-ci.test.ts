// The README's GitHub Actions example is what people copy: the pull request's
// code (synth) never runs next to a credential that can become a FinSpace
// superuser, and the job holding one runs only a pinned CLI on `cdk.out`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The YAML blocks of the README that declare GitHub Actions jobs. */
function workflows(): string[] {
  return [...readme.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((y) => /^jobs:/m.test(y));
}

/** Each job of a workflow: its name and its lines (a job starts at two spaces of indentation under `jobs:`). */
function jobs(workflow: string): Map<string, string> {
  const body = workflow.slice(workflow.search(/^jobs:/m));
  const result = new Map<string, string>();
  let current: string | undefined;
  for (const line of body.split('\n').slice(1)) {
    const start = /^ {2}([\w-]+):/.exec(line);
    if (start) current = start[1];
    else if (/^\S/.test(line)) current = undefined;
    if (current) result.set(current, `${result.get(current) ?? ''}${line}\n`);
  }
  return result;
}

// `npm install <name>@<exact version>` installs a published package, not the pull request's dependencies
const runsPullRequestCode = (job: string) =>
  /actions\/checkout|npm ci|cdk synth/.test(job) || /npm (install|i)\b(?![^\n]*\S+@\d+\.\d+\.\d+)/.test(job);
const holdsAwsCredentials = (job: string) =>
  /configure-aws-credentials|id-token: write|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/.test(job);

test('the README shows a CI plan', () => {
  expect(workflows()).toHaveLength(1);
});

test.each(workflows().flatMap((w) => [...jobs(w)]))(
  'job %s: never the pull request’s code beside AWS credentials',
  (_name, job) => {
    expect(runsPullRequestCode(job) && holdsAwsCredentials(job)).toBe(false);
  },
);

test('the plan runs in a protected environment, on the uploaded cdk.out, with a pinned CLI', () => {
  const all = workflows().flatMap((w) => [...jobs(w).values()]);
  const synth = all.filter((job) => /cdk synth/.test(job));
  const plan = all.filter((job) => /finspace-user plan/.test(job));
  expect([synth.length, plan.length]).toEqual([1, 1]);
  expect(synth[0]).toMatch(/upload-artifact[\s\S]*path: cdk\.out/);
  expect(plan[0]).toMatch(/^ {4}environment: \S+/m);
  expect(plan[0]).toMatch(/download-artifact[\s\S]*path: cdk\.out/);
  // the exact version, without its install scripts nor the peers (test/packed-cli.test.ts runs
  // this install line), and then that copy and no other
  expect(plan[0]).toMatch(/npm install --no-save --ignore-scripts --legacy-peer-deps finspace-user@\d+\.\d+\.\d+\n/);
  expect(plan[0]).toMatch(/npx --no-install finspace-user plan --no-synth --markdown/);
  expect(plan[0]).not.toMatch(/--show-names/);
});

test('the README says what a plan credential can do', () => {
  expect(readme.replace(/\s+/g, ' ')).toContain(
    'a plan credential is as powerful as the admin role, that is, a FinSpace superuser',
  );
});
