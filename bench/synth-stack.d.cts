import type { App, Stack } from 'aws-cdk-lib';
import type * as construct from '../lib';

export type Variant = 'FinspaceUser' | 'AwsCustomResource';

/** The construct library: the sources in process, dist/lib in a fresh process. */
export type ConstructLibrary = Pick<typeof construct, 'FinspaceUser' | 'FinspaceUserType'>;

export declare const ENVIRONMENT: string;
export declare function userId(index: number): string;

/** Constructs the app and runs `app.synth()` (`library` is unused by the AwsCustomResource variant). */
export declare function synthesizeBench(
  variant: Variant,
  count: number,
  library: ConstructLibrary | undefined,
  outdir?: string,
): { app: App; stack: Stack };
