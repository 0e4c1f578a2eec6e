import { type AccountYubiKey, YubiKeysSection } from '../account-yubikeys.tsx'
import { MethodHead } from '../method-head.tsx'
import { KeyIcon } from '../security-key.tsx'
import { YubiKeyFields, YubiKeyTapField } from '../yubikey-fields.tsx'
import type { FactorViews } from './factor-views.ts'

/** A YubiKey in OTP mode types its code and presses Enter: the field takes the tap and submits. */
export const yubiKeyViews: FactorViews<readonly AccountYubiKey[]> = {
  signIn: {
    otherWay: 'Touch your YubiKey',
    script: () => 'none',
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
  // Any YubiKey in OTP mode: a tap into the field registers the key.
  enrollment: {
    setUp: 'Use a YubiKey that types a code',
    protectWith: 'a touch of your YubiKey',
    script: 'none',
    Form: ({ urls, csrfToken, error, badge }) => (
      <section class="method enroll-method" id="yubikey" aria-labelledby="yubikey-title">
        <MethodHead icon={<KeyIcon />} titleId="yubikey-title" badge={badge}>
          Use a YubiKey that types a code
        </MethodHead>
        <p class="method-text">Any YubiKey that types a long code when you touch it works here.</p>
        <form class="form" method="post" action={urls.enroll.yubikey}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <YubiKeyFields error={error} />
          <button class="button button-primary button-block" type="submit">
            Add YubiKey
          </button>
        </form>
      </section>
    ),
  },
  account: {
    sectionId: 'yubikeys',
    Section: ({ sectionId, urls, csrfToken, data: yubikeys, canRemove, error }) => (
      <YubiKeysSection
        sectionId={sectionId}
        urls={urls}
        csrfToken={csrfToken}
        yubikeys={yubikeys}
        canRemove={canRemove}
        addError={error}
      />
    ),
  },
}
