/** A lab disk or volume request that the real device would refuse; `status` is the HTTP answer. */
export class LabDiskRefusal extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}
