/**
 * Why a sign-in proof was refused, in words a client developer can act on. Thrown by the pure
 * message checks (no Nest imports there); the sign-in service turns it into a 401.
 */
export class SignInRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SignInRejected';
  }
}
