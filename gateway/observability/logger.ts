import { type DestinationStream, type Logger, pino } from 'pino'

/**
 * JSON logs. Whatever a handler passes, these never reach a log line: cookies, passwords, codes,
 * secrets and authorization headers (defence in depth; handlers do not log them in the first place).
 */
const redactedPaths = [
  'password',
  'code',
  'secret',
  'token',
  'cookie',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  '*.password',
  '*.code',
  '*.secret',
  '*.token',
]

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'tapgate' },
  }
  return destination ? pino(options, destination) : pino(options)
}
