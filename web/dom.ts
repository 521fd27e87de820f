/** The element with `id`, which index.html is known to have; a missing one is a bug, found at once. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

export type View = 'lobby' | 'join' | 'room';

/** Shows one of the three views and hides the others. */
export function showView(view: View): void {
  for (const name of ['lobby', 'join', 'room'] as const) byId(name).hidden = name !== view;
}

/** A line in the status bar (announced politely by screen readers). */
export function setStatus(text: string): void {
  byId('status').textContent = text;
}

/** An element with text, built without innerHTML so nothing a message holds is ever parsed as markup. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
