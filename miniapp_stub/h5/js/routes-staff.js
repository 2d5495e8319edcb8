// The staff pages' routes. main.js places every area's routes before the generic ones
// (so "/x/report" is matched before "/x/:id"). Each entry: { path, page, title, wide? };
// `wide: true` lets a desk or admin page use a 1280×800 screen (the shell is phone-wide otherwise);
// `public: true` is a page that needs no login (the duty station's TV).
import MealRatingPage from "./pages/staff-meal-rating.js";
import PurchaseResubmitPage from "./pages/staff-purchase-resubmit.js";
import WashBookingsPage from "./pages/staff-wash-bookings.js";

export default [
  { path: "/meals/order/:id/rate", page: MealRatingPage, title: "评价" },
  { path: "/procurement/:id/resubmit", page: PurchaseResubmitPage, title: "修改后重新提交" },
  { path: "/carwash/bookings", page: WashBookingsPage, title: "我的洗车预约" },
];
