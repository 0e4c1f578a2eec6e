import packageJson from '../../package.json' with { type: 'json' }

/** tapgate's release, from package.json (bundled into a compiled build, read at start under tsx). */
export const tapgateVersion: string = packageJson.version
