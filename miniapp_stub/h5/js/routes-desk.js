// The desk pages' routes. main.js places every area's routes before the generic ones
// (so "/x/report" is matched before "/x/:id"). Each entry: { path, page, title, wide? };
// `wide: true` lets a desk or admin page use a 1280×800 screen (the shell is phone-wide otherwise);
// `public: true` is a page that needs no login (the duty station's TV).
import LibrarianCataloguePage from "./pages/librarian-catalogue.js";
import GuardLookupPage from "./pages/guard-lookup.js";
import CanteenOrdersPage from "./pages/canteen-orders.js";
import CanteenPrepPage from "./pages/canteen-prep.js";
import CarwashDayPage from "./pages/carwash-day.js";

export default [
  { path: "/library/manage", page: LibrarianCataloguePage, title: "图书管理", wide: true },
  { path: "/gate/lookup", page: GuardLookupPage, title: "人工核验放行", wide: true },
  { path: "/canteen/orders", page: CanteenOrdersPage, title: "订餐名单", wide: true },
  { path: "/canteen/prep/:id", page: CanteenPrepPage, title: "备餐单", wide: true },
  { path: "/carwash/desk", page: CarwashDayPage, title: "今日洗车", wide: true },
];
