import { describe, expect, it } from 'vitest';
import { holdsMarkup } from '../../src/media/markup-scan.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('holdsMarkup', () => {
  it('finds opening tags that make a polyglot, in any case, anywhere in the bytes', () => {
    for (const text of [
      '<script>alert(1)</script>',
      'binary\u0000\u00ff<SCRIPT src=x>',
      '<svg/onload=alert(1)>',
      '<html>',
      '<!DOCTYPE html>',
      '<?php echo 1; ?>',
      'xx<iframe\tsrc=x>',
      '<body\u00a0onload=x>',
      '<EmBeD/',
    ]) {
      expect(holdsMarkup(bytes(text)), text).toBe(true);
    }
  });

  it('leaves alone what a picture may hold: XMP, stray angle brackets, tag names run on', () => {
    for (const text of [
      '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">',
      '<<<< 3 < 4 >>>>',
      '<scripted>',
      '<svgs>',
      'trailing <script',
      '',
    ]) {
      expect(holdsMarkup(bytes(text)), text).toBe(false);
    }
  });
});
