import type { Config } from './schema.ts'

/** A setting that is valid but weakens what tapgate promises; check-config prints it, start-up logs it. */
export interface ConfigWarning {
  key: string
  message: string
}

export function configWarnings(config: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = []
  const ff = config.first_factor
  if (
    ff.mode === 'upstream' &&
    ff.confirm_identity === undefined &&
    config.enrollment.first_enrollment !== 'invite'
  ) {
    warnings.push({
      key: 'first_factor.confirm_identity',
      message:
        'not set, and first enrollment is open: a panel that folds usernames its own way (Admin_, User:Admin, ' +
        'an accent) can sign in one user while tapgate enrolls a new factor for another; set confirm_identity ' +
        'or enrollment.first_enrollment: invite',
    })
  }
  ff.panel_cookies.forEach((cookie, at) => {
    if (!cookie.pass_to_browser) return
    warnings.push({
      key: `first_factor.panel_cookies.${at}.pass_to_browser`,
      message: `the browser also gets ${cookie.name}: a script on the panel's pages can read and leak it`,
    })
  })
  config.rules.forEach((rule, at) => {
    if (rule.panel_cookies !== 'pass' || rule.networks !== undefined) return
    warnings.push({
      key: `rules.${at}.panel_cookies`,
      message:
        "pass without networks: anyone with a password gets the panel's session without a second factor",
    })
  })
  config.upstream.keep_override_headers.forEach((name, at) => {
    warnings.push({
      key: `upstream.keep_override_headers.${at}`,
      message: `the panel gets ${name} from any client: it may then serve another path or method than the rules judged`,
    })
  })
  if (config.limits.per_ip_concurrency >= config.upstream.pool.max_sockets) {
    warnings.push({
      key: 'limits.per_ip_concurrency',
      message: `not below upstream.pool.max_sockets (${config.upstream.pool.max_sockets}): one client address can hold every connection to the panel`,
    })
  }
  return warnings
}
