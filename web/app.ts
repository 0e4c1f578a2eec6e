/** The one script of tapgate's pages, bundled by gateway/routes/assets.ts; each part wires up its own buttons. */
import './webauthn.ts'
import './print-button.ts'
import './sms-resend.ts'
