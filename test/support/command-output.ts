// Runs a CLI command in-process the way a terminal would see it: what it
// writes to its output stream, what it writes to stderr, and its exit code.
import { PassThrough } from 'node:stream';

export interface CommandOutput {
  readonly code: number;
  /** What the command wrote to the stream it was given (the report). */
  readonly output: string;
  /** What it wrote to stderr (progress, warnings, errors). */
  readonly errors: string;
}

export async function captureCommand(run: (out: PassThrough) => Promise<number>): Promise<CommandOutput> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let errors = '';
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    errors += String(chunk);
    return true;
  });
  try {
    const code = await run(out);
    return { code, output, errors };
  } finally {
    stderr.mockRestore();
  }
}
