/** The one script of tapgate's pages, bundled by gateway/routes/assets.ts; each part wires up its own buttons. */
import './webauthn.ts'
import './passkey-sign-in.ts'
import './print-button.ts'
import './copy-button.ts'
import './sms-resend.ts'
import './local-times.ts'
