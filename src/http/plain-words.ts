/**
 * Validation messages in plain words. Schemas with their own message keep it; zod's built-in texts
 * ("Too small: expected string to have >=1 characters") are turned into what a person reads next to
 * a field. Anything not recognised is passed on as it is.
 */
const RULES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Too small: expected string to have >=1 characters?$/, () => 'must be filled in'],
  [/^Too small: expected string to have >=(\d+) characters?$/, (m) => `must be at least ${m[1]} characters`],
  [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `must be at most ${m[1]} characters`],
  [/^Too small: expected array to have >=1 items?$/, () => 'choose at least one'],
  [/^Too small: expected array to have >=(\d+) items?$/, (m) => `choose at least ${m[1]}`],
  [/^Too big: expected array to have <=(\d+) items?$/, (m) => `choose at most ${m[1]}`],
  [/^Too small: expected number to be >=?(-?[\d.]+)$/, (m) => `must be at least ${m[1]}`],
  [/^Too big: expected number to be <=?(-?[\d.]+)$/, (m) => `must be at most ${m[1]}`],
  [/^Invalid input: expected \w+, received undefined$/, () => 'must be filled in'],
  [
    /^Invalid input: expected (string|number|boolean|object|array), received \w+$/,
    (m) =>
      `must be a${m[1] === 'array' || m[1] === 'object' ? 'n' : ''} ${m[1] === 'array' ? 'list' : m[1] === 'boolean' ? 'yes or no' : m[1] === 'string' ? 'text' : m[1]}`,
  ],
  [/^Invalid (UUID|uuid)$/, () => 'must be chosen from the list (an id)'],
  [/^Invalid option: expected one of (.+)$/, (m) => `must be one of ${(m[1] ?? '').replaceAll('|', ', ')}`],
  [/^Invalid email address$/, () => 'must be an email address'],
  [/^Unrecognized keys?: (.+)$/, (m) => `is not a field here: ${m[1]}`],
];

export function plainWords(message: string): string {
  for (const [pattern, say] of RULES) {
    const m = pattern.exec(message);
    if (m) return say(m);
  }
  return message;
}
