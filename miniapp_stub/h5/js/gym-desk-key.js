// A gym desk signs in by scanning the admin's QR: its signin_url opens `#/gym/desk?key=<key>`.
// The key is kept on this device like a typed one and taken out of the address bar at once
// (history.replaceState), so it stays in no history entry and no bookmark. It is after `#`,
// so the browser never sent it to the server either.
export const DESK_KEY_STORE = "qe.gymdesk";

/** The key handed over in the URL (now stored and removed from it), or null. */
export function takeDeskKeyFromUrl() {
  const [path, search = ""] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(search);
  const key = params.get("key");
  if (!key) return null;
  localStorage.setItem(DESK_KEY_STORE, key);
  params.delete("key");
  const rest = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${location.search}#${path}${rest ? `?${rest}` : ""}`);
  return key;
}
