// The duty pages' routes. main.js places every area's routes before the generic ones
// (so "/x/report" is matched before "/x/:id"). Each entry: { path, page, title, wide? };
// `wide: true` lets a desk or admin page use a 1280×800 screen (the shell is phone-wide otherwise);
// `public: true` is a page that needs no login (the duty station's TV).
import DutyPage from "./pages/duty.js";
import DutyBookPage from "./pages/duty-book.js";
import DutyMinePage from "./pages/duty-mine.js";
import DutyAppointmentPage from "./pages/duty-appointment.js";
import DutyDeskPage from "./pages/duty-desk.js";
import DutyAdminPage from "./pages/duty-admin.js";
import DutyReportPage from "./pages/duty-report.js";
import DutyDisplayPage from "./pages/duty-display.js";

export default [
  { path: "/duty", page: DutyPage, title: "勤务站" },
  { path: "/duty/book/:id", page: DutyBookPage, title: "勤务站预约" },
  { path: "/duty/mine", page: DutyMinePage, title: "我的预约与排号" },
  { path: "/duty/appointments/:id", page: DutyAppointmentPage, title: "预约详情" },
  { path: "/duty/desk", page: DutyDeskPage, title: "勤务站窗口", wide: true },
  { path: "/duty/admin", page: DutyAdminPage, title: "勤务站业务与时段", wide: true },
  { path: "/duty/report", page: DutyReportPage, title: "勤务站月报", wide: true },
  { path: "/duty/display", page: DutyDisplayPage, title: "勤务站叫号屏", wide: true, public: true },
];
