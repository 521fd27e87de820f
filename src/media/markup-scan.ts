// Markup that turns an image into a polyglot a browser or a careless proxy might render. A camera's
// XMP packet is XML too, so only tags with no business inside a picture are looked for.
const TAGS = ['script', 'html', 'svg', 'body', 'iframe', 'object', 'embed', '!doctype', '?php'].map((tag) =>
  Buffer.from(tag, 'latin1'),
);
const LESS_THAN = 0x3c;

function lower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/** What may follow a tag name: whitespace (as the regex \s knows it in latin1), `>` or `/`. */
function endsTag(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0 || byte === 0x3e || byte === 0x2f)
  );
}

function tagAt(bytes: Buffer, at: number, tag: Buffer): boolean {
  if (at + tag.length > bytes.length) return false;
  for (let i = 0; i < tag.length; i++) if (lower(bytes[at + i]!) !== tag[i]) return false;
  return endsTag(bytes[at + tag.length]);
}

/**
 * Whether `bytes` hold an opening tag such as `<script ` or `<svg>`, in any case. Scans the buffer
 * in place: a 10 MB upload is not copied into a string to be searched.
 */
export function holdsMarkup(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(LESS_THAN); at !== -1; at = bytes.indexOf(LESS_THAN, at + 1)) {
    for (const tag of TAGS) if (tagAt(bytes, at + 1, tag)) return true;
  }
  return false;
}
