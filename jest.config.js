module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest'],
  },
  // TypeScript's NodeNext resolution wants `./module.js` in dynamic imports; the file is `./module.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  // A guard against a hung test, never a measurement: on a busy machine a synth or a CLI run takes
  // many times its usual time. Tests of time budgets derive their thresholds from those budgets.
  testTimeout: 15 * 60_000,
};
