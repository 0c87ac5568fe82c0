/**
 * A partner feed's bytes to text, by the charset it declares: a byte-order mark first, then the
 * HTTP Content-Type `charset`, then the XML declaration's `encoding`, else UTF-8 (XML's default).
 * Decoded with TextDecoder (WHATWG labels: ISO-8859-1 and windows-1252, Shift_JIS, KOI8-R…); an
 * unknown label falls back to UTF-8 with replacement characters rather than failing the feed. Pure.
 */
// windows-1252 at 0x80–0x9F (WHATWG reads every ISO-8859-1 and ASCII label as windows-1252); the
// rest of the range is ISO-8859-1. Decoded here because Node's TextDecoder reads these labels as
// strict ISO-8859-1, which turns curly quotes and dashes into control characters.
const CP1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

interface Decoder {
  decode(bytes: Uint8Array): string;
}

const windows1252: Decoder = {
  decode(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 8192) {
      const chunk = bytes.subarray(i, i + 8192);
      out += String.fromCharCode(...chunk).replace(
        /[\x80-\x9f]/g,
        (c) => CP1252[c.charCodeAt(0) - 0x80],
      );
    }
    return out;
  },
};

function decoderFor(label: string | null): Decoder | null {
  if (!label) return null;
  try {
    const d = new TextDecoder(label.trim().replace(/^["']|["']$/g, ''));
    return d.encoding === 'windows-1252' ? windows1252 : d;
  } catch {
    return null;
  }
}

/** The declared charset of a Content-Type header value, or null. */
export function contentTypeCharset(contentType: string | null | undefined): string | null {
  const m = /;\s*charset\s*=\s*("[^"]*"|[^;\s]+)/i.exec(contentType ?? '');
  return m ? m[1].replace(/"/g, '') : null;
}

/** The XML declaration's encoding (read as ASCII from the first bytes), or null. */
export function xmlDeclaredEncoding(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const m = /^\s*<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return m ? m[1] : null;
}

export function decodeFeed(bytes: Uint8Array, contentType?: string | null): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes);
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe))
    return new TextDecoder(bytes[0] === 0xfe ? 'utf-16be' : 'utf-16le').decode(bytes);
  const decoder =
    decoderFor(contentTypeCharset(contentType)) ??
    decoderFor(xmlDeclaredEncoding(bytes)) ??
    new TextDecoder('utf-8');
  return decoder.decode(bytes);
}
