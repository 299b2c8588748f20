/**
 * A request parameter that cannot be used. The HTTP layer turns it into a 400 whose message names the
 * parameter, says what was wrong and, where it helps, shows a value that would work.
 */
export class ParamError extends Error {
  override readonly name = 'ParamError';

  constructor(
    readonly param: string,
    readonly problem: string,
  ) {
    super(`invalid parameter '${param}': ${problem}`);
  }
}

/** Quote a user-supplied value for an error message, shortened so a huge value cannot flood a log line. */
export function quoteValue(value: string, maxLength = 80): string {
  const shown = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
  return JSON.stringify(shown);
}
