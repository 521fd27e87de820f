/** Whether a file-system error says the file (or directory) is not there. */
export function isMissingFile(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
