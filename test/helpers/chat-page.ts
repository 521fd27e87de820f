import type { Locator, Page } from 'playwright-core';

/** What a person does and sees on the chat page, by role and label as they would find it. */
const WAIT = { timeout: 10_000 };

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
