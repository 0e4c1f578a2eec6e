/**
 * A failure the command did not expect, as one line an operator can act on: the address that is
 * taken, the file that is missing. Node's own message for anything else, never a stack trace.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const { code, syscall, address, port, path } = error as NodeJS.ErrnoException & {
    address?: string
    port?: number
  }
  // A worker (server.workers) hears of it as the primary's bind.
  if (syscall === 'listen' || syscall === 'bind') {
    const where = port === undefined ? address : `${address}:${port}`
    const why =
      code === 'EADDRINUSE'
        ? 'the address is already in use (is another tapgate running?)'
        : code === 'EACCES'
          ? 'permission denied (ports below 1024 need privileges)'
          : code === 'EADDRNOTAVAIL'
            ? 'no network interface has this address'
            : code
    return `cannot listen on ${where}: ${why}`
  }
  if (code === 'ENOENT' && path !== undefined) return `${path}: no such file or directory`
  if (code === 'EACCES' && path !== undefined) return `${path}: permission denied`
  return error.message.split('\n')[0] ?? error.message
}
