export const trustFieldId = 'trust-device'

/**
 * "Trust this device": one box per page, inside the form it is posted with. On the 2fa page the key
 * script reads it too, through `data-trust-field` on the key button.
 */
export function TrustDeviceField({ trustFor }: { trustFor: string }) {
  return (
    <div class="checkbox-field">
      <input class="checkbox" type="checkbox" id={trustFieldId} name="trust_device" value="yes" />
      <div>
        <label class="checkbox-label" for={trustFieldId}>
          Trust this device for {trustFor}
        </label>
        <p class="hint">Don't tick this on a shared or public computer.</p>
      </div>
    </div>
  )
}
