/**
 * The request body cannot be decoded at all (truncated or garbled protobuf, invalid JSON, a field of the
 * wrong shape). The whole request is refused: HTTP 400 with a google.rpc.Status, gRPC INVALID_ARGUMENT.
 * Problems confined to one span or data point are not DecodeErrors: those items are rejected one by one
 * and reported in partial_success.
 */
export class DecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DecodeError';
  }
}
