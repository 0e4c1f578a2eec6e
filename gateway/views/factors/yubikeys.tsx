import { YubiKeyTapField } from '../yubikey-fields.tsx'
import type { FactorViews } from './factor-views.ts'

/** A YubiKey in OTP mode types its code and presses Enter: the field takes the tap and submits. */
export const yubiKeyViews: FactorViews = {
  signIn: {
    otherWay: 'Touch your YubiKey',
    needsScript: () => false,
    Form: ({ urls, csrfToken, error, trustField }) => (
      <form class="form method-yubikey" method="post" action={urls.secondFactor.yubikey}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <YubiKeyTapField error={error} autofocus={true} />
        {trustField}
        <button class="button button-primary button-block" type="submit">
          Verify with YubiKey
        </button>
      </form>
    ),
  },
}
