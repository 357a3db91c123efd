/**
 * Text one person typed, made safe to show on a card others read. Teams renders a subset of Markdown in
 * TextBlocks and facts (bold, italic, lists, links); bold and lists stay, but a link could show one address
 * and open another, so every link form becomes plain text that shows its real target.
 */

/** The longest person-typed text a card shows by default: a notice body, the longest text Liftoff takes. */
export const PERSON_TEXT_MAX = 4000;

/** `[label](target "title")` with no brackets inside the label: the innermost link, replaced until none is left. */
const INLINE_LINK = /!?\[([^[\]]*)\]\(\s*<?([^()<>\s]*)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)/g;
/** `[label]: target`: a reference definition (also inside a list or a quote), which would turn `[label]` into a link. */
const REFERENCE_DEFINITION = /\[([^[\]]*)\]:/g;
/** `<https://…>` or `<someone@example.com>`: an autolink. */
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>/gi;

/** A link's label and target, as plain text: `label (target)`, or the target alone when it is the label. */
function spelledOut(_match: string, label: string, target: string): string {
  const text = label.trim();
  if (!target) return text;
  return text && text !== target ? `${text} (${target})` : target;
}

/** Neutralises Markdown link syntax (inline, reference and autolinks) so the real target shows, and caps the length. */
export function personText(text: string | undefined, max = PERSON_TEXT_MAX): string {
  // Capped first too, so the work below stays linear in what a card can show.
  let out = [...(text ?? '')].slice(0, max * 4).join('');
  // Innermost links first; a few rounds undo any nesting a person would type, and the last step breaks the rest.
  for (let round = 0, previous = ''; round < 8 && previous !== out; round += 1) {
    previous = out;
    out = out.replace(INLINE_LINK, spelledOut);
  }
  out = out
    .replace(REFERENCE_DEFINITION, '$1:')
    .replace(AUTOLINK, '$1')
    // Whatever bracket pairs remain can no longer form a link: `](` needs nothing between them.
    .replace(/\]\(/g, '] (');
  const chars = [...out];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : out;
}

/** A link target a person typed, with the characters that could close Liftoff's own link and open another percent-encoded. */
export function linkTarget(url: string): string {
  return url.replace(/[()[\]<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
