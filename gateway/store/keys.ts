// Usernames are encoded so that no name can forge a key of another kind (a name containing ":").
const enc = encodeURIComponent

/** Every key tapgate writes, in one place, so the layout of the store can be read at a glance. */
export const keys = {
  session: (id: string) => `session:${id}`,
  totpSecret: (user: string) => `user:${enc(user)}:totp`,
  totpStepUsed: (user: string, step: number) => `user:${enc(user)}:totp-step:${step}`,
  failuresOfUser: (user: string) => `failures:user:${enc(user)}`,
  failuresOfIp: (ip: string) => `failures:ip:${ip}`,
  banOfUser: (user: string) => `ban:user:${enc(user)}`,
  banOfIp: (ip: string) => `ban:ip:${ip}`,
} as const
