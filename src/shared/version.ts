import pkg from '../../package.json' with { type: 'json' };

/** The desk's version: package.json's, the one place it is written. */
export const VERSION: string = pkg.version;
