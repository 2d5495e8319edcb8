// Notice links → H5 routes. The server writes mini-program page paths ("/pages/..."),
// which the real client opens as they are; the H5 stand-in opens the route of the same
// object here, in one table (the notices page and any screen that follows a link).
const LINKS = [
  [/^\/?pages\/meals\/order\?id=(\d+)/, (id) => `/meals/order/${id}`],
  [/^\/?pages\/meals/, () => "/meals/orders"],
  [/^\/?pages\/canteen\/summary\?menu_id=(\d+)/, (id) => `/canteen?menu=${id}`],
  [/^\/?pages\/canteen/, () => "/canteen"],
  [/^\/?pages\/meetings/, () => "/meetings/mine"],
  [/^\/?pages\/admin/, () => "/admin"],
  [/^\/?pages\/repairs\/ticket\?id=(\d+)/, (id) => `/repairs/${id}`],
  [/^\/?pages\/repairs/, () => "/repairs"],
  [/^\/?pages\/visitors\/pass\?id=(\d+)/, (id) => `/visitors/${id}`],
  [/^\/?pages\/visitors/, () => "/visitors"],
  [/^\/?pages\/gym\/booking\?id=(\d+)/, (id) => `/gym/booking/${id}`],
  [/^\/?pages\/gym/, () => "/gym/mine"],
  [/^\/?pages\/assessment\/rectification\?id=(\d+)/, (id) => `/assessment/rectifications/${id}`],
  [/^\/?pages\/assessment/, () => "/assessment/rectifications"],
  [/^\/?pages\/library/, () => "/library"],
  [/^\/?pages\/carwash\/card\?id=(\d+)/, (id) => `/carwash/card/${id}`],
  [/^\/?pages\/carwash/, () => "/carwash"],
  [/^\/?pages\/procurement\/request\?id=(\d+)/, (id) => `/procurement/${id}`],
  [/^\/?pages\/procurement/, () => "/procurement"],
  [/^\/?pages\/index/, () => "/"],
  [/^(\/duty\/[\w/-]*)/, (path) => path], // the duty station's pages have H5 routes of the same path
];

/** The H5 route a notice link opens, or null when it names nothing we show. */
export function routeOf(link) {
  for (const [pattern, to] of LINKS) {
    const found = pattern.exec(link || "");
    if (found) return to(found[1]);
  }
  return null;
}
