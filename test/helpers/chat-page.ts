import type { Locator, Page } from 'playwright-core';

/** What a person does and sees on the chat page, by role and label as they would find it. */
const WAIT = { timeout: 10_000 };

/**
 * Waits until a DOM condition (a JavaScript expression) holds in the page. Polled with evaluate:
 * waitForFunction with an argument compiles its text with eval, which the page's CSP forbids.
 */
async function until(page: Page, condition: string): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (!(await page.evaluate<boolean>(condition))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const messageLog = (page: Page): Locator => page.getByRole('log', { name: 'Messages' });

/** The message in the log that shows `text`. */
export const messageWith = (page: Page, text: string): Locator =>
  messageLog(page).getByRole('listitem').filter({ hasText: text });

export async function createRoom(page: Page, baseUrl: string, name: string): Promise<{ link: string; token: string }> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('textbox', { name: 'Your ghost name' }).fill(name);
  await page.getByRole('button', { name: 'Create a room' }).click();
  await page.getByRole('heading', { name: /^Room / }).waitFor(WAIT);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const link = await copiedText(page);
  const token = /#\/r\/([A-Z0-9-]+)\//.exec(link)?.[1];
  if (!token) throw new Error(`copied something that is not a room link: ${link}`);
  return { link, token };
}

export async function joinByLink(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByRole('textbox', { name: 'Your ghost name' }).fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
  await inRoomAs(page, name);
}

/** Waits until the page shows the room with `name` listed as "(you)". */
export async function inRoomAs(page: Page, name: string): Promise<void> {
  await page.getByRole('complementary').getByText(`${name} (you)`).waitFor(WAIT);
}

export async function sendMessage(page: Page, text: string, ttl?: string): Promise<void> {
  if (ttl) await page.getByRole('combobox', { name: 'Disappears' }).selectOption({ label: ttl });
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await messageWith(page, text).waitFor(WAIT);
}

export async function waitForMessage(page: Page, text: string): Promise<Locator> {
  const message = messageWith(page, text);
  await message.waitFor(WAIT);
  return message;
}

export async function waitForPerson(page: Page, name: string): Promise<void> {
  await page.getByRole('complementary').getByText(name, { exact: true }).waitFor(WAIT);
}

/** What the page put on the clipboard (evaluated in the page, as text: tests are not typed for the DOM). */
export function copiedText(page: Page): Promise<string> {
  return page.evaluate<string>('navigator.clipboard.readText()');
}

/** The id of the element that has the keyboard focus ('' for none). */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate<string>("document.activeElement?.id ?? ''");
}

export interface PictureFile {
  name: string;
  type: string;
  bytes: Buffer;
}

/**
 * Attaches a picture as a person does, and waits for its preview (scrubbed, ready to send): `pick`
 * with the "Add image" button and the browser's file chooser; `paste` into the message box or
 * `drop` on the chat, as a real ClipboardEvent or DragEvent carrying a DataTransfer with the file.
 */
export async function attachImage(page: Page, how: 'pick' | 'paste' | 'drop', file: PictureFile): Promise<void> {
  if (how === 'pick') {
    const chooser = page.waitForEvent('filechooser', WAIT);
    await page.getByRole('button', { name: 'Add image' }).click();
    await (await chooser).setFiles({ name: file.name, mimeType: file.type, buffer: file.bytes });
  } else {
    const args = JSON.stringify({ how, name: file.name, type: file.type, base64: file.bytes.toString('base64') });
    await page.evaluate(`(() => {
      const { how, name, type, base64 } = ${args};
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], name, { type }));
      const init = { bubbles: true, cancelable: true };
      if (how === 'paste') {
        const box = document.getElementById('message-input');
        box.focus();
        box.dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: data }));
      } else {
        document.getElementById('chat').dispatchEvent(new DragEvent('drop', { ...init, dataTransfer: data }));
      }
    })()`);
  }
  await page.getByRole('img', { name: 'The image to send, as it will be sent' }).waitFor(WAIT);
  await until(page, "document.getElementById('attachment-preview').naturalWidth > 0");
}

/** Sends what is in the composer (an attached picture, its caption) and waits until it was taken. */
export async function clickSend(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Send' }).click();
  await until(
    page,
    "document.getElementById('attachment').hidden && document.getElementById('message-input').value === ''",
  );
}

/** Attaches a picture, types its caption and sends it. */
export async function sendImage(
  page: Page,
  how: 'pick' | 'paste' | 'drop',
  file: PictureFile,
  caption = '',
): Promise<void> {
  await attachImage(page, how, file);
  await page.getByRole('textbox', { name: 'Message' }).fill(caption);
  await clickSend(page);
}

/** The decrypted picture of the message from `sender` in the log, once it has loaded. */
export async function waitForPicture(page: Page, sender: string): Promise<Locator> {
  const picture = messageLog(page)
    .getByRole('img', { name: `Image from ${sender}` })
    .last();
  await picture.waitFor(WAIT);
  await until(
    page,
    "[...document.querySelectorAll('#messages img')].every((img) => img.complete && img.naturalWidth > 0)",
  );
  return picture;
}
