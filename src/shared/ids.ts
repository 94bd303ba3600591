/**
 * Whether a string is a UUID (the form of every id the desk stores). For ids that arrive without a
 * schema: in a cursor, a token's claims, a service called from a chat. Anything else that reaches
 * PostgreSQL malformed is refused by the HTTP edge (SQLSTATE 22P02, src/http/problem.ts).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);
