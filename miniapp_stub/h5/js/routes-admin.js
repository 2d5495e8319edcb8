// The admin pages' routes. main.js places every area's routes before the generic ones
// (so "/x/report" is matched before "/x/:id"). Each entry: { path, page, title, wide? };
// `wide: true` lets a desk or admin page use a 1280×800 screen (the shell is phone-wide otherwise);
// `public: true` is a page that needs no login (the duty station's TV).
import AdminPage from "./pages/admin.js";
import AdminDashboard from "./pages/admin-dashboard.js";
import AdminStaffFind from "./pages/admin-staff-find.js";
import AdminStaff from "./pages/admin-staff.js";
import AdminMenus from "./pages/admin-menus.js";
import AdminRooms from "./pages/admin-rooms.js";
import AdminGyms from "./pages/admin-gyms.js";
import AdminGym from "./pages/admin-gym.js";
import AdminGymSettlement from "./pages/admin-gym-settlement.js";
import AdminCarwash from "./pages/admin-carwash.js";
import AdminAssessment from "./pages/admin-assessment.js";

export default [
  { path: "/admin", page: AdminPage, title: "管理后台", wide: true },
  { path: "/admin/dashboard", page: AdminDashboard, title: "数据看板", wide: true },
  { path: "/admin/staff/find", page: AdminStaffFind, title: "职工名录", wide: true },
  { path: "/admin/staff/import", page: AdminStaff, title: "导入职工名录", wide: true },
  { path: "/admin/menus", page: AdminMenus, title: "菜单管理", wide: true },
  { path: "/admin/rooms", page: AdminRooms, title: "会议室管理", wide: true },
  { path: "/admin/gyms", page: AdminGyms, title: "合作场馆", wide: true },
  { path: "/admin/gym/settlement", page: AdminGymSettlement, title: "场馆月度结算", wide: true },
  { path: "/admin/gyms/:id", page: AdminGym, title: "场馆课程与前台密钥", wide: true },
  { path: "/admin/carwash", page: AdminCarwash, title: "洗车管理", wide: true },
  { path: "/admin/assessment", page: AdminAssessment, title: "物管考核管理", wide: true },
];
