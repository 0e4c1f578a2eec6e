import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { Layout } from './layout.tsx'

export type MessageTone = 'error' | 'info' | 'warning'

export interface MessagePageProps {
  urls: TapgateUrls
  title: string
  message: string
  tone?: MessageTone
  /** What to do about it, under the message. */
  help?: string
  action?: { href: string; label: string }
}

function ToneIcon({ tone }: { tone: MessageTone }) {
  if (tone === 'warning') {
    return (
      <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
        <path d="M10.3 4.2 2.6 17.6A2 2 0 0 0 4.3 20.6h15.4a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0Z" />
        <path d="M12 9.5v4M12 16.8v.01" />
      </svg>
    )
  }
  if (tone === 'error') {
    return (
      <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
        <circle cx="12" cy="12" r="9" />
        <path d="M12 7.5v5.5M12 16.3v.01" />
      </svg>
    )
  }
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="9" />
      <path d="M12 11v5.5M12 7.7v.01" />
    </svg>
  )
}

/** A stand-alone notice: lockouts, outages, bad requests, an unreachable panel, "signed out". */
export function MessagePage({ urls, title, message, tone = 'info', help, action }: MessagePageProps) {
  return (
    <Layout urls={urls} title={title}>
      <div class={`notice notice-${tone}`}>
        <span class="notice-icon">
          <ToneIcon tone={tone} />
        </span>
        <h1 class="title">{title}</h1>
        <p class="notice-text">{message}</p>
        {help === undefined ? null : <p class="notice-help">{help}</p>}
        {action ? (
          <p class="actions">
            <a class="button button-primary" href={action.href}>
              {action.label}
            </a>
          </p>
        ) : null}
      </div>
    </Layout>
  )
}
