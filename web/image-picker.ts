import { byId } from './dom.js';
import { scrubPicture, type ScrubbedPicture } from './image-scrub.js';

/**
 * The picture attached to the next message: picked with the "Add image" button, pasted into the
 * message box or dropped on the chat. It is scrubbed at once and previewed as it will be sent
 * (the preview is the scrubbed picture, not the original file), until it is sent or removed.
 */
export class ImagePicker {
  private picture: ScrubbedPicture | null = null;
  private previewUrl: string | null = null;
  private readonly input = byId<HTMLInputElement>('image-input');
  private readonly box = byId('attachment');

  constructor(
    /** Bytes the scrubbed picture may take, leaving room for its sealed envelope. */
    private readonly maxBytes: number,
    private readonly onError: (text: string) => void,
    signal: AbortSignal,
  ) {
    byId('attach').addEventListener('click', () => this.input.click(), { signal });
    this.input.addEventListener('change', () => void this.take(this.input.files?.[0]), { signal });
    byId('message-input').addEventListener(
      'paste',
      (event) => {
        const file = pictureIn(event.clipboardData);
        if (!file) return;
        event.preventDefault();
        void this.take(file);
      },
      { signal },
    );
    // Only a drag that carries files is taken over: dropping text into the message box still works.
    const chat = byId('chat');
    chat.addEventListener(
      'dragover',
      (event) => event.dataTransfer?.types.includes('Files') && event.preventDefault(),
      {
        signal,
      },
    );
    chat.addEventListener(
      'drop',
      (event) => {
        const file = pictureIn(event.dataTransfer);
        if (!file) return;
        event.preventDefault();
        void this.take(file);
      },
      { signal },
    );
    byId('attachment-remove').addEventListener('click', () => this.clear(), { signal });
  }

  get attached(): ScrubbedPicture | null {
    return this.picture;
  }

  clear(): void {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.picture = this.previewUrl = null;
    this.input.value = '';
    this.box.hidden = true;
    byId<HTMLImageElement>('attachment-preview').removeAttribute('src');
  }

  private async take(file: File | null | undefined): Promise<void> {
    if (!file) return;
    this.clear();
    let picture: ScrubbedPicture;
    try {
      picture = await scrubPicture(file, this.maxBytes);
    } catch (error) {
      const tooLarge = error instanceof Error && /too large/.test(error.message);
      this.onError(tooLarge ? error.message : 'That file is not a picture this browser can read.');
      return;
    }
    this.picture = picture;
    this.previewUrl = URL.createObjectURL(new Blob([picture.bytes], { type: picture.type }));
    const preview = byId<HTMLImageElement>('attachment-preview');
    preview.src = this.previewUrl;
    const kb = Math.max(1, Math.round(picture.bytes.length / 1024));
    byId('attachment-info').textContent =
      `${picture.width} × ${picture.height}, ${kb} KB, redrawn without its metadata; encrypted when sent.`;
    this.box.hidden = false;
  }
}

/** The first picture file in a paste or a drop. */
function pictureIn(data: DataTransfer | null): File | null {
  for (const file of data?.files ?? []) if (file.type.startsWith('image/')) return file;
  return null;
}
