// A hash router: "#/meals/menu/12?x=1" → {path: "/meals/menu/12", params: {id: "12"}, query}.
import { Vue } from "./vendor.js";

export const route = Vue.reactive({ path: "/", params: {}, query: {}, match: null });
let table = [];

function compile(pattern) {
  const names = [];
  const regex = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${regex}$`), names };
}

function resolve() {
  const [path, search] = (location.hash.slice(1) || "/").split("?");
  for (const entry of table) {
    const found = entry.compiled.regex.exec(path);
    if (found) {
      const params = Object.fromEntries(entry.compiled.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      Object.assign(route, { path, params, query: Object.fromEntries(new URLSearchParams(search || "")), match: entry });
      return;
    }
  }
  Object.assign(route, { path: "/", params: {}, query: {}, match: table[0] });
}

export function startRouter(routes) {
  table = routes.map((entry) => ({ ...entry, compiled: compile(entry.path) }));
  window.addEventListener("hashchange", resolve);
  resolve();
}

export function go(path) {
  if (location.hash.slice(1) === path) resolve();
  else location.hash = path;
}

export function replace(path) {
  history.replaceState(null, "", `${location.pathname}${location.search}#${path}`);
  resolve();
}

export function back(fallback = "/") {
  if (history.state?.fromApp !== false && history.length > 1 && document.referrer !== "") history.back();
  else go(fallback);
}

/** Whether a path (with or without its query) names a route of the app. */
export function known(path) {
  const bare = path.split("?")[0];
  return table.some((entry) => entry.compiled.regex.test(bare));
}
