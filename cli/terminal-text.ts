/**
 * Characters a terminal acts on instead of printing: C0 controls (ESC, BEL, CR, LF, TAB…), DEL,
 * C1 controls (U+009B is a one-character CSI on many terminals), the line and paragraph
 * separators, and the bidirectional controls that make text read differently from what it holds
 * (U+202E, "Trojan Source").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is this module's job
const ACTING = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every character a terminal would act on written as a visible escape (`\x1b`,
 * `\u202e`), so data or an error message can neither move the cursor, clear the screen, ring,
 * overwrite a line nor reorder what the operator reads. Newlines are escaped too: a formatter
 * puts its own line breaks around the values it escapes.
 *
 * @example
 * terminalText('a\x1b[2Jb') // 'a\\x1b[2Jb'
 */
export function terminalText(text: string): string {
  return text.replace(ACTING, visible);
}

/** A value as a table cell or a line shows it: its text, escaped (null and undefined empty). */
export function terminalValue(value: unknown): string {
  return terminalText(String(value ?? ''));
}
