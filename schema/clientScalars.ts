/**
 * How this API's custom scalars look in TypeScript, on the wire (JSON): the mapping a client's
 * GraphQL Code Generator config needs, or every date, phone number, URL and amount is typed
 * `unknown`. codegen.ts uses it for the project's own documents; the README shows the same
 * object for consumers (a test keeps the two equal and covers every scalar of the schema).
 */
export const talkstackScalars = {
  DateTime: 'string',
  JSONObject: 'Record<string, unknown>',
  NonNegativeFloat: 'number',
  NonNegativeInt: 'number',
  PhoneNumber: 'string',
  URL: 'string',
} as const;

/**
 * `@defer` and `@stream` as the server accepts them (Yoga's defer-stream plugin adds them at
 * run time; graphql 16 does not define them). Code Generator validates documents against the
 * schema it is given, so a client using them passes these definitions beside the SDL.
 */
export const incrementalDeliveryDirectives = `
directive @defer(if: Boolean! = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @stream(if: Boolean! = true, label: String, initialCount: Int = 0) on FIELD
`;
