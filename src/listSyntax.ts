/**
 * Pure parser for list-valued variables: items separated by `,`, and a backslash makes the
 * next character literal (so `cpu\,total` is one name containing a comma).
 */
export function parseList(text: string): { items: string[]; error?: string } {
  const items: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined) return { items, error: "ends with a lone backslash" };
      current += next;
      i++;
    } else if (c === ",") {
      items.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  items.push(current.trim());
  const nonEmpty = items.filter((s) => s !== "");
  return { items: nonEmpty };
}
