import { main } from './commands.ts'

// The command line's entry (bin.js, the Dockerfile); tests run main() in their own process.
process.exitCode = await main(process.argv.slice(2))
