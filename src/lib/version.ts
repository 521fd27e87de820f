import { createRequire } from 'node:module';

/** The package version, read at runtime: package.json sits one level above both src/ and dist/. */
export const packageVersion: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
