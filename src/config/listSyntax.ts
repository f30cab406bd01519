/**
 * Pure parser for list-valued variables: items separated by `,`, parts of an item by `:`.
 * A backslash before `,`, `:` or `\` makes that character literal (so `cpu\,total` is one name
 * containing a comma); any other backslash is kept as it is, so regular expressions such as
 * `/^cpu\d+$/` need no doubling.
 */
export interface ListResult {
  /** Items, each split into its parts (one part when parts are not split). */
  items: string[][];
  error?: string;
}

const ESCAPABLE = new Set([",", ":", "\\"]);

export function parseItems(text: string, splitParts = true): ListResult {
  const items: string[][] = [];
  let parts: string[] = [];
  let current = "";
  const endItem = () => {
    parts.push(current.trim());
    current = "";
    if (!(parts.length === 1 && parts[0] === "")) items.push(parts);
    parts = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "\\" && next !== undefined && ESCAPABLE.has(next)) {
      current += next;
      i++;
    } else if (c === "\\" && next === undefined) {
      return { items, error: "ends with a lone backslash" };
    } else if (c === ",") {
      endItem();
    } else if (c === ":" && splitParts) {
      parts.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  endItem();
  return { items };
}

/** A plain list of names (parts are not split: `:` is an ordinary character). */
export function parseList(text: string): { items: string[]; error?: string } {
  const { items, error } = parseItems(text, false);
  return { items: items.map((parts) => parts[0] as string), error };
}
