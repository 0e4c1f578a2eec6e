import { Hono } from 'hono'
import type { GatewayEnv } from '../../context.ts'
import { respondWithProblem } from '../../errors.tsx'
import { recordFactorChange } from '../../factor-setup/factor-changes.ts'
import { enrolledFactors } from '../../factors/enrolled-factors.ts'
import { mayRemove } from '../../factors/last-way-in.ts'
import { requireRecentVerification } from '../../guards/step-up.ts'
import { readForm, textField } from '../../http/form.ts'
import type { AccountKey } from '../../views/factors/security-keys.tsx'
import { securityKeyViews } from '../../views/factors/security-keys.tsx'
import { type FactorPages, lastWayIn, offeredWhenSetUp } from './factor-pages.ts'

/**
 * A key's proofs go through the WebAuthn ceremony's own routes (routes/security-keys.ts); the account
 * page renames and removes keys under `<prefix>/account/keys`.
 */
export const securityKeyPages: FactorPages<readonly AccountKey[]> = {
  views: securityKeyViews,
  signIn: { offer: offeredWhenSetUp('webauthn') },
  enrollment: {},
  account: {
    section: (s, factors) =>
      factors.has.webauthn.map(({ id, name, aaguid, createdAt, lastUsedAt }) => ({
        id,
        name,
        model: s.webauthn?.settings.metadata?.names.get(aaguid) ?? null,
        createdAt,
        lastUsedAt,
      })),
    routes(s, render) {
      const routes = new Hono<GatewayEnv>()
      routes.post('/keys/rename', async (c) => {
        const webauthn = s.webauthn
        if (!webauthn) return respondWithProblem(c, 'not_found', s)
        const { id, name } = await readForm(c, { id: textField, name: textField })
        const result = await webauthn.rename(c.var.session.user, id, name)
        if (!result.ok) {
          const error =
            result.reason === 'invalid_name'
              ? 'Give the key a name of at most 64 characters.'
              : 'That key is not registered.'
          return render(c, 400, { error })
        }
        await recordFactorChange(c, s, 'webauthn', 'renamed')
        return c.redirect(s.urls.account.notice('key_renamed'), 303)
      })
      routes.post('/keys/remove', requireRecentVerification(s), async (c) => {
        const webauthn = s.webauthn
        if (!webauthn) return respondWithProblem(c, 'not_found', s)
        const { user } = c.var.session
        const { id } = await readForm(c, { id: textField })
        if (!mayRemove((await enrolledFactors(s, user)).ways, 'webauthn'))
          return render(c, 400, { error: lastWayIn })
        if (!(await webauthn.remove(user, id)))
          return render(c, 400, { error: 'That key is not registered.' })
        await recordFactorChange(c, s, 'webauthn', 'removed')
        return c.redirect(s.urls.account.notice('key_removed'), 303)
      })
      return routes
    },
  },
}
