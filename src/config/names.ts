/** Project names, as Compose derives and checks them. */

/** Lowercase, drop characters other than [a-z0-9_-], drop leading "_" and "-". */
export function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^-_a-z0-9]+/g, '')
    .replace(/^[-_]+/, '');
}

export function isValidProjectName(s: string): boolean {
  return s !== '' && normalizeProjectName(s) === s;
}

export const PROJECT_NAME_RULE =
  'a project name must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit';
