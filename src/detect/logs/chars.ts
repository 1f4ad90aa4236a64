/** Character classes of the masks, by character code (ASCII: a regular expression's `\d` and letters). */
export const C_0 = 48;
export const C_9 = 57;

export function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isHexLetter(c: number): boolean {
  return (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
