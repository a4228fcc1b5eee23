/**
 * Which stall a misdirected transfer was meant for, read from what the shopper typed: "chuyen tien hang B01",
 * "tra tien sap b-01", "B 01 rau". Bank memos lose diacritics, case and punctuation, so both sides are squashed to
 * letters and digits before comparing, and a code split by a space ("B 01") is also tried joined. A suggestion only:
 * the manager still picks the stall, and nothing is suggested when the memo names none or more than one.
 */
export function suggestStall(description: string, stallCodes: readonly string[]): string | null {
  const squash = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/gi, 'd')
      .toUpperCase();
  const words = squash(description)
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  const candidates = new Set(words);
  for (let i = 0; i + 1 < words.length; i++) candidates.add(words[i]! + words[i + 1]!);
  const hits = stallCodes.filter((code) => candidates.has(squash(code).replace(/[^A-Z0-9]/g, '')));
  return hits.length === 1 ? hits[0]! : null;
}
