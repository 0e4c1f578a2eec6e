import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { hash } from '@node-rs/argon2'
import { argon2Options } from '../first-factor/local-users.ts'

/**
 * `tapgate hash-password`: prints the argon2id hash of a password for the users file. The password
 * is read from the terminal without echo (asked twice), or from stdin when piped, never from the
 * command line, where `ps` and the shell history would keep it.
 */
export async function hashPasswordCommand(): Promise<number> {
  const password = process.stdin.isTTY ? await askTwice() : await readPiped()
  if (password === null) {
    process.stderr.write('tapgate: the two passwords differ; nothing printed\n')
    return 1
  }
  if (password.length === 0) {
    process.stderr.write('tapgate: empty password; nothing printed\n')
    return 1
  }
  process.stdout.write(`${await hash(password, argon2Options)}\n`)
  return 0
}

/** Everything piped in, minus the one line break `echo` adds. */
async function readPiped(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

async function askTwice(): Promise<string | null> {
  const first = await askQuietly('Password: ')
  const second = await askQuietly('Again: ')
  return first === second ? first : null
}

/** Prompts on stderr and reads a line with the terminal's echo swallowed. */
async function askQuietly(prompt: string): Promise<string> {
  let muted = false
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const reader = createInterface({ input: process.stdin, output, terminal: true })
  process.stderr.write(prompt)
  muted = true
  try {
    return await reader.question('')
  } finally {
    reader.close()
    process.stderr.write('\n')
  }
}
