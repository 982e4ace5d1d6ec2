/** Parsing of client requests, shared by the venue modules. */

/**
 * A client's text message as a JSON object, or undefined when it is not JSON or not an object
 * (`null`, `5`, `"x"`). Venue modules answer undefined with the venue's parse error; a field read
 * off `null` would throw out of the message handler and take the whole simulator down.
 */
export function parseRequest(text: string): Record<string, unknown> | undefined {
  try {
    const req = JSON.parse(text) as unknown;
    return typeof req === 'object' && req !== null ? (req as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
