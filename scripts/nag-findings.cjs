// The cdk-nag findings of a synthesized app, for scripts/consumer-check.sh: exits 1 if there is
// any, error or warning, whoever's construct it is on (and for cdk-nag 2, if it did not run). With
// cdk-nag 3, CDK's own template checks report in the same file and count too.
//   node nag-findings.cjs CDK_OUT 3   cdk-nag 3: a policy-validation plugin; CDK writes its
//                                     report to CDK_OUT/validation-report.json
//   node nag-findings.cjs CDK_OUT 2   cdk-nag 2: an aspect; it writes CDK_OUT/AwsSolutions-*-NagReport.csv
//                                     (a line per rule and resource); its warnings alone would not fail synth
'use strict';
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const [cdkOut, major] = process.argv.slice(2);

/** cdk-nag 3: the AwsSolutions plugin's violations in CDK's validation report. */
function findingsOf3() {
  const file = ['validation-report.json', 'policy-validation-report.json']
    .map((name) => join(cdkOut, name))
    .find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`no validation report in ${cdkOut}: AwsSolutionsChecks is not registered`);
  // It lists the plugins that found something, and only those: a clean run leaves it empty.
  const report = JSON.parse(readFileSync(file, 'utf8'));
  return (report.pluginReports ?? []).flatMap((plugin) =>
    (plugin.violations ?? []).flatMap((v) =>
      (v.violatingResources ?? v.violatingConstructs ?? [{}]).map(
        (r) =>
          `${plugin.pluginName}: ${v.severity ?? '?'} ${v.ruleName}: ${r.constructPath ?? r.resourceLogicalId ?? '?'} (${v.description ?? ''})`,
      ),
    ),
  );
}

/** cdk-nag 2: every rule a resource did not comply with, at any level, from its CSV reports. */
function findingsOf2() {
  const reports = readdirSync(cdkOut).filter((f) => /^AwsSolutions-.+-NagReport\.csv$/.test(f));
  if (reports.length === 0)
    throw new Error(`no AwsSolutions-*-NagReport.csv in ${cdkOut}: AwsSolutionsChecks did not run`);
  return reports.flatMap((file) => {
    const [header, ...rows] = readFileSync(join(cdkOut, file), 'utf8').trim().split('\n').map(parseCsvLine);
    const column = (name) => header.indexOf(name);
    return rows
      .filter((row) => row[column('Compliance')] === 'Non-Compliant')
      .map((row) => `${row[column('Rule Level')]} ${row[column('Rule ID')]}: ${row[column('Resource ID')]} (${file})`);
  });
}

/** One line of cdk-nag's CSV: quoted fields, with "" for a quote. */
function parseCsvLine(line) {
  const fields = [];
  const pattern = /(?:^|,)("(?:[^"]|"")*"|[^,]*)/g;
  for (const [, field] of line.matchAll(pattern)) fields.push(field.replace(/^"|"$/g, '').replace(/""/g, '"'));
  return fields;
}

const findings = major === '2' ? findingsOf2() : findingsOf3();
if (findings.length > 0) {
  console.error(`cdk-nag ${major}: ${findings.length} finding(s) in ${cdkOut}:\n  ${findings.join('\n  ')}`);
  process.exit(1);
}
console.log(`cdk-nag ${major}: no finding`);
