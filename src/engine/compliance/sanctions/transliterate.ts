/**
 * Non-Latin scripts to plain Latin letters, by table, one character at a time: Cyrillic (Russian,
 * Ukrainian, Belarusian, Serbian, Macedonian, Kazakh basics) after BGN/PCGN, Greek after ELOT 743,
 * Arabic and Persian after the consonant values OFAC's romanisations use. A table rather than a
 * library because the screening must run in the pure engine with no dependency, and a table is
 * exactly reviewable; `any-ascii` (npm, ISC) covers every script and would be the choice if scripts
 * beyond these three matter (see docs/COMPLIANCE.md).
 *
 * Arabic writes no short vowels, so its transliteration is a consonant skeleton ("محمد" → "MHMD");
 * the matcher compares such words by skeleton (name-similarity.ts) rather than letter by letter.
 * Input is upper-case (Greek final sigma upper-cases to Σ), output upper-case ASCII.
 */

const TABLE: Readonly<Record<string, string>> = {
  // Cyrillic
  А: 'A', Б: 'B', В: 'V', Г: 'G', Д: 'D', Е: 'E', Ё: 'E', Ж: 'ZH', З: 'Z', И: 'I', Й: 'Y', К: 'K', Л: 'L', М: 'M', Н: 'N', О: 'O',
  П: 'P', Р: 'R', С: 'S', Т: 'T', У: 'U', Ф: 'F', Х: 'KH', Ц: 'TS', Ч: 'CH', Ш: 'SH', Щ: 'SHCH', Ъ: '', Ы: 'Y', Ь: '', Э: 'E',
  Ю: 'YU', Я: 'YA', Є: 'YE', І: 'I', Ї: 'YI', Ґ: 'G', Ў: 'U', Ђ: 'DJ', Ј: 'J', Љ: 'LJ', Њ: 'NJ', Ћ: 'C', Џ: 'DZ', Ѓ: 'GJ', Ќ: 'KJ',
  Ѕ: 'DZ', Қ: 'Q', Ғ: 'GH', Ң: 'NG', Ү: 'U', Ұ: 'U', Һ: 'H', Ө: 'O', Ә: 'A',
  // Greek
  Α: 'A', Β: 'V', Γ: 'G', Δ: 'D', Ε: 'E', Ζ: 'Z', Η: 'I', Θ: 'TH', Ι: 'I', Κ: 'K', Λ: 'L', Μ: 'M', Ν: 'N', Ξ: 'X', Ο: 'O', Π: 'P',
  Ρ: 'R', Σ: 'S', ς: 'S', Τ: 'T', Υ: 'Y', Φ: 'F', Χ: 'CH', Ψ: 'PS', Ω: 'O',
  // Arabic (hamza carriers as their vowel or nothing; ta marbuta and alif maqsura as the vowel heard)
  ا: 'A', أ: 'A', إ: 'I', آ: 'A', ٱ: 'A', ء: '', ؤ: 'U', ئ: 'I', ب: 'B', ت: 'T', ث: 'TH', ج: 'J', ح: 'H', خ: 'KH', د: 'D', ذ: 'DH',
  ر: 'R', ز: 'Z', س: 'S', ش: 'SH', ص: 'S', ض: 'D', ط: 'T', ظ: 'Z', ع: '', غ: 'GH', ف: 'F', ق: 'Q', ك: 'K', ل: 'L', م: 'M', ن: 'N',
  ه: 'H', و: 'W', ي: 'Y', ى: 'A', ة: 'A', 'ـ': '',
  // Persian and Urdu letters
  پ: 'P', چ: 'CH', ژ: 'ZH', گ: 'G', ک: 'K', ی: 'Y', ۀ: 'H', ہ: 'H', ے: 'E', ٹ: 'T', ڈ: 'D', ڑ: 'R', ں: 'N',
  // Latin letters that do not decompose
  Æ: 'AE', Ø: 'O', Ł: 'L', Đ: 'D', Ð: 'D', Þ: 'TH', Œ: 'OE', ẞ: 'SS', Ħ: 'H', Ŧ: 'T', Ŋ: 'NG', ı: 'I', ĸ: 'K',
};

/** True for a letter of the Arabic block (U+0600–U+06FF) or its presentation forms. */
export function isArabicLetter(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (c >= 0x0600 && c <= 0x06ff) || (c >= 0x0750 && c <= 0x077f) || (c >= 0xfb50 && c <= 0xfdff) || (c >= 0xfe70 && c <= 0xfeff);
}

/**
 * `text` (any script, any case) as upper-case Latin: table letters replaced, accents and other
 * combining marks dropped (NFKD), anything else kept as it is for the tokenizer to split on.
 */
export function transliterate(text: string): string {
  let out = '';
  // Russian spells a foreign J as ДЖ (Джон, Джамал): read it back as J, not DZH.
  for (const ch of text.normalize('NFC').toUpperCase().replace(/ДЖ/g, 'J')) {
    const t = TABLE[ch];
    if (t !== undefined) { out += t; continue; }
    if (ch.charCodeAt(0) < 128) { out += ch; continue; }
    // Arabic presentation forms, ligatures, full-width letters and accented Latin come apart here.
    for (const part of ch.normalize('NFKD')) {
      const p = TABLE[part];
      if (p !== undefined) out += p;
      else if (!/\p{M}/u.test(part)) out += part.toUpperCase();
    }
  }
  return out;
}
