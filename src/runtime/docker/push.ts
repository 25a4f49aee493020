/**
 * `POST /images/{name}/push` and `POST /images/{name}/tag`: how a reference splits into the name and
 * tag those calls take, and which registry answers mean "credentials refused". Pure.
 */

/** "127.0.0.1:5000/app:1" -> { name: "127.0.0.1:5000/app", tag: "1" }; no tag -> "latest"; a digest stays in the name. */
export function splitTag(ref: string): { name: string; tag: string | undefined } {
  if (ref.includes('@')) return { name: ref, tag: undefined };
  const lastSlash = ref.lastIndexOf('/');
  const lastColon = ref.lastIndexOf(':');
  if (lastColon > lastSlash) return { name: ref.slice(0, lastColon), tag: ref.slice(lastColon + 1) };
  return { name: ref, tag: 'latest' };
}

/** The registry said the credentials were missing or wrong. */
export function isAuthFailure(message: string): boolean {
  return /unauthorized|authentication required|no basic auth credentials|incorrect username or password|access to the resource is denied|denied: requested access/i.test(
    message,
  );
}
